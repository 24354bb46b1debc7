"""Closing a region (merged away or shut): its last day, the admin's checks, its manager's
post, and who signs what still waits in it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import selectors, services
from accounts.models import Region, RegionMembership
from activity import selectors as activity_selectors
from activity.models import DailyLog, LogStatus
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data

TODAY = datetime.date(2026, 11, 30)
LAST_DAY = datetime.date(2026, 11, 20)  # a Friday: the region's last working day


def empty_region(org, **fields):
    """A region of the org's area whose people have all moved on by LAST_DAY."""
    region = f.RegionFactory(
        branch=org.branch, area=org.area, manager=org.rm, name="西南", **fields
    )
    person = f.UserFactory(name="钱七")
    f.MembershipFactory(user=person, region=region, end_date=LAST_DAY)
    f.MembershipFactory(
        user=person, region=org.other_region, start_date=LAST_DAY + datetime.timedelta(days=1)
    )
    return region, person


# --- the dates ----------------------------------------------------------------------


def test_a_closed_region_is_open_during_the_periods_that_reach_its_last_day(org):
    region = f.RegionFactory(
        branch=org.branch, created_on=datetime.date(2026, 1, 5), closed_on=LAST_DAY
    )
    monday, sunday = datetime.date(2026, 11, 16), datetime.date(2026, 11, 22)
    assert region.open_during(monday, sunday)
    assert region.open_during(LAST_DAY, LAST_DAY)
    assert not region.open_during(sunday + datetime.timedelta(days=1), TODAY)
    assert not region.open_during(datetime.date(2025, 12, 1), datetime.date(2026, 1, 4))
    # The database says the same.
    regions = Region.objects.filter(pk=region.pk)
    assert regions.open_during(monday, sunday).exists()
    assert regions.open_on(LAST_DAY).exists()
    assert not regions.open_on(LAST_DAY + datetime.timedelta(days=1)).exists()
    assert not regions.open_during(datetime.date(2025, 12, 1), datetime.date(2026, 1, 4)).exists()


def test_regions_never_closed_are_open_whenever_they_existed(org):
    assert set(Region.objects.open_during(TODAY, TODAY)) == set(Region.objects.all())


# --- closing ------------------------------------------------------------------------


def test_closing_ends_the_managers_post_and_keeps_history(org):
    region, person = empty_region(org)
    log = f.DailyLogFactory(author=person, region=region, date=LAST_DAY)
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    region.refresh_from_db()
    assert (region.closed_on, region.manager) == (LAST_DAY, None)
    # Their other region is theirs still; the closed one's log and membership stay.
    assert org.rm in [r.manager for r in Region.objects.filter(manager=org.rm)]
    assert DailyLog.objects.get(pk=log.pk).region == region
    assert RegionMembership.objects.filter(region=region, user=person).exists()


def test_closing_is_refused_while_people_are_members_after_the_day(org):
    region, _person = empty_region(org)
    f.member(region, name="孙八")  # since 2020, still there
    late = f.UserFactory(name="周九")
    f.MembershipFactory(
        user=late, region=region, start_date=datetime.date(2026, 1, 1), end_date=TODAY
    )
    with pytest.raises(ValidationError) as error:
        services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    assert "2 名客户经理在 2026-11-20 之后仍属于“西南”" in error.value.messages[0]
    region.refresh_from_db()
    assert (region.closed_on, region.manager) == (None, org.rm)


def test_one_member_left_is_named_in_the_singular(org):
    region, _person = empty_region(org)
    f.member(region, name="孙八")
    with pytest.raises(ValidationError) as error:
        services.region_closing_check(region=region, closed_on=LAST_DAY, today=TODAY)
    assert error.value.messages[0].startswith("1 名客户经理在 2026-11-20 之后仍属于“西南”")


def test_closing_is_refused_in_the_future_and_before_the_region_was_created(org):
    region, _person = empty_region(org, created_on=datetime.date(2026, 11, 2))
    with pytest.raises(ValidationError, match="只能是今天或更早"):
        services.region_close(
            region=region, closed_on=TODAY + datetime.timedelta(days=1), today=TODAY
        )
    with pytest.raises(ValidationError, match="2026-11-02"):
        services.region_close(region=region, closed_on=datetime.date(2026, 11, 1), today=TODAY)


def test_nobody_moves_into_a_closed_region(org):
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    with pytest.raises(ValidationError, match="“西南”已于 2026-11-20 撤销"):
        services.membership_move(user=org.am, region=region, start_date=TODAY)
    assert RegionMembership.objects.get(user=org.am).region == org.region


def test_reopening_keeps_no_manager_until_one_is_appointed(org):
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    services.region_close(region=region, closed_on=None, today=TODAY)
    region.refresh_from_db()
    assert (region.closed_on, region.manager) == (None, None)


# --- what still waits in it ---------------------------------------------------------


def test_logs_waiting_in_a_closed_region_go_to_the_area_manager(org):
    region, person = empty_region(org)
    waiting = f.DailyLogFactory(
        author=person, region=region, date=LAST_DAY, status=LogStatus.SUBMITTED
    )
    assert selectors.region_signer(region) == org.rm
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    region.refresh_from_db()
    assert selectors.region_signer(region) == org.area_manager
    assert selectors.can_sign_off(org.area_manager, waiting)
    assert not selectors.can_sign_off(org.rm, waiting)
    assert waiting in activity_selectors.sign_off_queue(org.area_manager)
    assert waiting not in activity_selectors.sign_off_queue(org.rm)


def test_a_closed_region_without_an_area_is_signed_by_the_branch_head(org):
    region, person = empty_region(org)
    Region.objects.filter(pk=region.pk).update(area=None)
    region.refresh_from_db()
    waiting = f.DailyLogFactory(
        author=person, region=region, date=LAST_DAY, status=LogStatus.SUBMITTED
    )
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    assert selectors.can_sign_off(org.branch_head, waiting)
    assert selectors.region_signer_ids([region.pk]) == {region.pk: org.branch_head.pk}


def test_the_area_manager_signs_a_closed_regions_log_on_its_page(client_for, org):
    region, person = empty_region(org)
    waiting = f.DailyLogFactory(
        author=person, region=region, date=LAST_DAY, status=LogStatus.SUBMITTED
    )
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    response = client_for(org.rm).post(
        reverse("activity:log_sign_off", args=[waiting.pk]), {"comment": "好"}
    )
    assert response.status_code in (403, 404)
    response = client_for(org.area_manager).post(
        reverse("activity:log_sign_off", args=[waiting.pk]), {"comment": "好"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.signed_off_by) == (LogStatus.SIGNED_OFF, org.area_manager)


# --- the admin ----------------------------------------------------------------------


def region_form(admin_client, region):
    url = reverse("admin:accounts_region_change", args=[region.pk])
    return url, change_form_data(admin_client.get(url))


def test_admin_closes_a_region_and_its_manager_post_ends(admin_client, org, today):
    region, _person = empty_region(org)
    url, data = region_form(admin_client, region)
    data["closed_on"] = str(min(LAST_DAY, today))
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    region.refresh_from_db()
    assert (region.closed_on, region.manager) == (min(LAST_DAY, today), None)


def test_admin_is_told_how_many_people_are_still_in_the_region(admin_client, org, today):
    region, _person = empty_region(org)
    f.member(region, name="孙八")
    f.member(region, name="吴十")
    url, data = region_form(admin_client, region)
    data["closed_on"] = str(today)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["closed_on"]
    assert errors == [
        f"2 名客户经理在 {today} 之后仍属于“西南”。请先把他们调到其他区域（或结束其区域归属）。"
    ]
    region.refresh_from_db()
    assert (region.closed_on, region.manager) == (None, org.rm)


def test_admin_may_not_give_a_closed_region_a_manager(admin_client, org, today):
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=min(LAST_DAY, today), today=today)
    url, data = region_form(admin_client, region)
    data["manager"] = str(org.rm.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "已撤销的区域没有区域经理" in str(response.context["adminform"].form.errors["manager"])


def test_admin_adds_regions_open(admin_client):
    response = admin_client.get(reverse("admin:accounts_region_add"))
    assert "closed_on" not in response.context["adminform"].form.fields


def test_admin_lists_and_filters_closed_regions(admin_client, org, today):
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=min(LAST_DAY, today), today=today)
    changelist = reverse("admin:accounts_region_changelist")
    closed = admin_client.get(changelist + "?closed=yes").context["cl"].result_list
    still_open = admin_client.get(changelist + "?closed=no").context["cl"].result_list
    assert list(closed) == [region]
    assert region not in still_open and org.region in still_open


def test_the_membership_picker_offers_open_regions_only(admin_client, org, today):
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=min(LAST_DAY, today), today=today)
    query = "app_label=accounts&model_name=regionmembership&field_name=region&term=西"
    found = admin_client.get(reverse("admin:autocomplete") + "?" + query).json()["results"]
    assert [r["text"] for r in found] == ["西"]
    # The region list's own search still finds it.
    listed = admin_client.get(reverse("admin:accounts_region_changelist") + "?q=西南")
    assert list(listed.context["cl"].result_list) == [region]


def test_the_branch_heads_day_page_and_the_plan_index_leave_a_closed_region_out(org, client_for):
    """A closed region stayed an empty row on the branch head's home page and the plan
    index; the day it worked still lists it."""
    region, _person = empty_region(org)
    services.region_close(region=region, closed_on=LAST_DAY, today=TODAY)
    client = client_for(org.branch_head)
    home = reverse("accounts:home")
    assert "西南" not in client.get(home, {"day": TODAY.isoformat()}).content.decode()
    assert "西南" in client.get(home, {"day": LAST_DAY.isoformat()}).content.decode()
    assert "西南" not in client.get(reverse("planning:index")).content.decode()
