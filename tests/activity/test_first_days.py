"""A branch's first days: people who log in before anything of theirs exists yet."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

# Wednesday 2 December 2026, 10:00 in Shanghai: the day the staff sheet was imported.
IMPORT_DAY = datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)


@pytest.fixture
def joiner(org):
    """Imported on Wednesday with 入职日期 next Monday: placed, from that day."""
    person = f.UserFactory(name="吴芳")
    f.MembershipFactory(user=person, region=org.region, start_date=datetime.date(2026, 12, 7))
    return person


def test_a_joiner_before_her_start_lands_on_when_she_starts(client_for, org, joiner):
    """Her first login went on to 无权操作 … 请联系管理员把您加入所在区域: she was placed."""
    client = client_for(joiner)
    with time_machine.travel(IMPORT_DAY):
        response = client.get(reverse("activity:today"), follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        assert "2026-12-07" in html and org.region.name in html
        assert "请联系管理员" not in html
        # The page's one link, to her prospects, opens.
        assert client.get(reverse("activity:prospect_list")).status_code == 200
        # A day before her start, opened by address, says the same, not "ask to be added".
        refused = client.get(
            reverse("activity:log_edit", kwargs={"day": datetime.date(2026, 12, 1)})
        )
        assert refused.status_code == 403
        assert "2026-12-07" in refused.content.decode()
        assert "请联系管理员" not in refused.content.decode()
        plans = client.get(reverse("planning:index")).content.decode()
        assert "2026-12-07" in plans and "没有可显示的区域" not in plans


def test_someone_placed_nowhere_is_still_told_to_ask(client_for, org):
    stray = f.UserFactory(name="无区")
    with time_machine.travel(IMPORT_DAY):
        response = client_for(stray).get(reverse("activity:today"), follow=True)
    assert response.status_code == 403
    assert "请联系管理员" in response.content.decode()


def test_a_new_regions_week_grid_offers_no_week_before_it(client_for, org):
    """← 上一周 on a region imported on Wednesday led to 本周没有客户经理 (and on)."""
    region = f.RegionFactory(branch=org.branch, name="西区", created_on=datetime.date(2026, 12, 2))
    region.manager = org.rm
    region.save(update_fields=["manager"])
    url = reverse("activity:week_grid", kwargs={"region_id": region.pk})
    with time_machine.travel(IMPORT_DAY):
        response = client_for(org.rm).get(url)
        assert response.context["previous_week"] is None
        assert "上一周" not in response.content.decode()
        # A region there before this week steps back as ever.
        older = client_for(org.rm).get(
            reverse("activity:week_grid", kwargs={"region_id": org.region.pk})
        )
        assert older.context["previous_week"] == datetime.date(2026, 11, 23)


@pytest.fixture
def on_leave(org):
    """张三 is away the week of 30 November: the admin ended her membership on Sunday 29
    November and added one from Monday 7 December."""
    from accounts.models import RegionMembership

    RegionMembership.objects.filter(user=org.am).update(end_date=datetime.date(2026, 11, 29))
    f.MembershipFactory(user=org.am, region=org.region, start_date=datetime.date(2026, 12, 7))
    return org.am


def test_an_am_on_leave_is_told_when_she_is_back_not_that_she_joins(client_for, org, on_leave):
    """Her log page said she would join her own region, with no log to fill in before."""
    client = client_for(on_leave)
    with time_machine.travel(IMPORT_DAY):
        html = client.get(reverse("activity:today"), follow=True).content.decode()
        assert "2026-12-07" in html and "回到" in html and "此前无需填写" not in html
        refused = client.get(
            reverse("activity:log_edit", kwargs={"day": datetime.date(2026, 12, 1)})
        )
        assert refused.status_code == 403 and "回到" in refused.content.decode()


def test_an_am_on_leave_and_her_rm_still_open_her_plan(client_for, org, on_leave):
    """Her plan page was a 404 for the week, to her and her RM, and the plans page told
    her she would join 东 on the 7th: last week's review, due that Monday, and a change of
    her December goals had no way in."""
    url = reverse("planning:member", kwargs={"user_id": on_leave.pk})
    with time_machine.travel(IMPORT_DAY):
        assert client_for(on_leave).get(reverse("planning:index")).url == url
        page = client_for(on_leave).get(url)
        assert page.status_code == 200
        assert reverse("planning:weekly_edit", kwargs={"week": datetime.date(2026, 11, 23)}) in (
            page.content.decode()
        )
        assert client_for(org.rm).get(url).status_code == 200
        assert client_for(org.other_rm).get(url).status_code == 404


def test_a_joiner_or_a_leaver_has_no_region_while_away(org, joiner):
    from accounts.selectors import membership_while_away

    day = datetime.date(2026, 12, 2)
    assert membership_while_away(joiner, day) is None  # never in a region before
    from accounts.models import RegionMembership

    RegionMembership.objects.filter(user=org.peer_am).update(end_date=datetime.date(2026, 11, 29))
    assert membership_while_away(org.peer_am, day) is None  # not coming back
