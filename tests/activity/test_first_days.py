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
