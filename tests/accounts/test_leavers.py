"""People who leave (deactivated by the admin or the staff import).

D9: a departed RM stayed the region's manager. D7: someone deactivated during a working
day was counted as owing that day's log.
"""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as org_selectors
from accounts import services
from accounts import staff_import as si
from accounts.models import RegionMembership
from activity import selectors as activity_selectors
from activity.models import LogStatus
from tests import factories as f
from tests.accounts.staff_sheets import person, xlsx
from tests.accounts.test_user_admin import change_form_data


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def deactivate_in_admin(client, user):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = change_form_data(client.get(url))
    data.pop("is_active")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active


def import_leaver(org, user, role="客户经理"):
    rows = [
        person(
            user.employee_no,
            user.name,
            role=role,
            branch=org.branch.name,
            area=org.area.name,
            region=org.region.name,
            status="离职",
        )
    ]
    outcome = si.run_import(
        name="staff.xlsx",
        data=xlsx(rows),
        import_date=timezone.localdate(),
        dry_run=False,
        password_hash=make_password("Footwork-start-2026"),
    )
    assert outcome.errors == [], outcome.errors
    user.refresh_from_db()
    assert not user.is_active


def end_dates(user):
    return list(RegionMembership.objects.filter(user=user).values_list("end_date", flat=True))


def today_cell(org, user, today):
    week = activity_selectors.week_start(today)
    grid = activity_selectors.week_grid(org.region, week, today)
    row = next((r for r in grid if r.member == user), None)
    return None if row is None else next(c for c in row.cells if c["day"] == today)


# --- D9: a departed manager manages nothing ---------------------------------------------


def test_deactivating_an_rm_in_the_admin_clears_the_region_manager(admin_client, org):
    deactivate_in_admin(admin_client, org.rm)
    org.region.refresh_from_db()
    assert org.region.manager is None
    # Its logs now go to the area manager (D2's rule).
    log = f.DailyLogFactory(author=org.am, region=org.region, status=LogStatus.SUBMITTED)
    assert org_selectors.can_sign_off(org.area_manager, log)


def test_deactivating_an_area_manager_or_branch_head_clears_their_post(admin_client, org):
    deactivate_in_admin(admin_client, org.area_manager)
    deactivate_in_admin(admin_client, org.branch_head)
    org.area.refresh_from_db()
    org.branch.refresh_from_db()
    assert org.area.manager is None and org.branch.head is None


def test_user_deactivate_clears_the_positions_the_import_leaves(org):
    services.user_deactivate(user=org.other_rm)
    org.other_region.refresh_from_db()
    assert org.other_region.manager is None


def test_a_departed_rm_left_in_the_field_is_no_manager(org):
    """Data from before the fix: the field still names them."""
    org.rm.is_active = False
    org.rm.save(update_fields=["is_active"])
    assert not org_selectors.regions_signed_off_by(org.rm).exists()
    region = type(org.region).objects.select_related("manager", "area__manager", "branch__head")
    assert org_selectors.region_signer(region.get(pk=org.region.pk)) == org.area_manager
    assert org_selectors.region_signer_ids([org.region.pk]) == {org.region.pk: org.area_manager.pk}


def test_the_admin_region_list_says_who_signs(admin_client, org):
    org.region.manager = None
    org.region.save(update_fields=["manager"])
    html = admin_client.get(reverse("admin:accounts_region_changelist")).content.decode()
    assert str(org.area_manager) in html and str(org.other_rm) in html


def test_importing_an_rm_as_leaver_clears_the_region_manager(org):
    import_leaver(org, org.rm, role="区域经理")
    org.region.refresh_from_db()
    assert org.region.manager is None


# --- D7: the day they leave is not owed unless they handed its log in --------------------


def test_leaving_in_the_admin_without_todays_log_ends_the_membership_yesterday(
    admin_client, org, today
):
    deactivate_in_admin(admin_client, org.am)
    assert end_dates(org.am) == [today - datetime.timedelta(days=1)]
    cell = today_cell(org, org.am, today)
    assert cell is None or (cell["status"] is None and not cell["member"])
    (row,) = activity_selectors.region_day_status(
        type(org.region).objects.filter(pk=org.region.pk), today
    )
    # 张三 is not counted today: 李四, and the fixture's 离职者, whose membership it leaves open.
    assert row.members == 2


def test_leaving_after_handing_in_todays_log_keeps_today(admin_client, org, today):
    f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED)
    deactivate_in_admin(admin_client, org.am)
    assert end_dates(org.am) == [today]
    assert today_cell(org, org.am, today)["status"] == LogStatus.SUBMITTED


def test_a_draft_is_not_a_log_handed_in(admin_client, org, today):
    f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.DRAFT)
    deactivate_in_admin(admin_client, org.am)
    assert end_dates(org.am) == [today - datetime.timedelta(days=1)]


def test_the_import_ends_a_leavers_membership_the_day_before(org, today):
    import_leaver(org, org.am)
    assert end_dates(org.am) == [today - datetime.timedelta(days=1)]


def test_the_import_keeps_today_for_a_leaver_who_handed_it_in(org, today):
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=today,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        signed_off_at=timezone.now(),
    )
    import_leaver(org, org.am)
    assert end_dates(org.am) == [today]


def test_someone_who_joined_today_and_leaves_today_was_never_a_member(org, today):
    newcomer = f.UserFactory(name="新人")
    f.MembershipFactory(user=newcomer, region=org.region, start_date=today)
    services.user_deactivate(user=newcomer, day=today)
    assert end_dates(newcomer) == []


def test_deactivating_twice_changes_nothing_more(org, today):
    services.user_deactivate(user=org.am, day=today)
    services.user_deactivate(user=org.am, day=today)
    assert end_dates(org.am) == [today - datetime.timedelta(days=1)]


def test_an_earlier_membership_is_left_alone(org, today):
    """Someone who left their region last month and is deactivated now owed its days."""
    last_month = today - datetime.timedelta(days=30)
    services.membership_end(user=org.am, end_date=last_month)
    services.user_deactivate(user=org.am, day=today)
    assert end_dates(org.am) == [last_month]


# --- A draft left behind: nothing owed after the last day, an earlier draft unfinished ----


def test_a_leavers_draft_of_the_day_she_left_is_not_in_the_grid(client_for, org):
    """张三 leaves on Wednesday with Tuesday's log still a draft and Wednesday's begun."""
    import time_machine

    from activity import reminders
    from activity.models import Notification

    monday = datetime.date(2026, 11, 16)
    tuesday, wednesday = monday + datetime.timedelta(days=1), monday + datetime.timedelta(days=2)
    at = datetime.datetime(2026, 11, 18, 2, 0, tzinfo=datetime.UTC)  # Wednesday 10:00
    with time_machine.travel(at, tick=False):
        tuesdays = f.DailyLogFactory(
            author=org.am, region=org.region, date=tuesday, status=LogStatus.DRAFT
        )
        todays = f.DailyLogFactory(
            author=org.am, region=org.region, date=wednesday, status=LogStatus.DRAFT
        )
        services.user_deactivate(user=org.am)
        assert end_dates(org.am) == [tuesday]

        row = next(
            r
            for r in activity_selectors.week_grid(org.region, monday, wednesday)
            if r.member == org.am
        )
        cells = {cell["day"]: cell for cell in row.cells}
        # Monday: missed; Tuesday: begun, never handed in; Wednesday is not hers any more.
        assert cells[monday]["status"] == "missing"
        assert (cells[tuesday]["status"], cells[tuesday]["log"]) == (LogStatus.DRAFT, tuesdays)
        assert (cells[wednesday]["status"], cells[wednesday]["log"]) == (None, None)
        assert not cells[wednesday]["member"]

        page = (
            client_for(org.rm)
            .get(reverse("activity:week_grid", args=[org.region.pk]) + "?week=2026-11-16")
            .content.decode()
        )
        assert reverse("activity:log_detail", args=[tuesdays.pk]) in page
        assert reverse("activity:log_detail", args=[todays.pk]) not in page

        # The region's day counts neither her nor her draft; the reminder does not nag her.
        (today,) = activity_selectors.region_day_status(
            type(org.region).objects.filter(pk=org.region.pk), wednesday
        )
        assert (today.members, today.draft) == (2, 0)
        reminders.remind_missing_logs(branch_id=org.branch.pk, day=wednesday)
        assert not Notification.objects.filter(recipient=org.am).exists()


# --- leavers from before leaving ended the membership ------------------------------------


def _legacy_leaver(user):
    """Deactivated the way the admin did before 0af659a: the membership stays open."""
    type(user).objects.filter(pk=user.pk).update(is_active=False)


def _migration():
    from importlib import import_module

    return import_module("accounts.migrations.0008_leavers_leave_their_regions")


def test_the_migration_ends_a_legacy_leavers_membership_yesterday(org):
    """QA: 张三 left months ago and is still 未填 every day and in the headcount."""
    from django.apps import apps

    from reports import selectors as report_selectors

    wednesday = datetime.date(2026, 11, 18)
    monday = activity_selectors.week_start(wednesday)

    def headcount():
        rows = report_selectors.region_rows(
            branch=org.branch, regions=[org.region], start=wednesday, end=wednesday, today=wednesday
        )
        return rows[0].headcount

    _legacy_leaver(org.am)
    before = headcount()
    assert today_cell(org, org.am, wednesday)["status"] == "due"

    _migration().end_leavers_memberships(apps, None, today=wednesday)

    assert end_dates(org.am) == [wednesday - datetime.timedelta(days=1)]
    assert end_dates(org.peer_am) == [None]  # still here
    assert today_cell(org, org.am, wednesday) == {
        "day": wednesday,
        "status": None,
        "log": None,
        "member": False,
    }
    # 张三, 李四 and the fixture's 离职者 (another leaver left open) before; 李四 after.
    assert (before, headcount()) == (3, 1)
    # The weeks she worked keep her.
    last_week = activity_selectors.week_grid(
        org.region, monday - datetime.timedelta(days=7), wednesday
    )
    assert org.am in [row.member for row in last_week]


def test_the_migration_drops_a_legacy_leavers_membership_not_yet_begun(org, today):
    _legacy_leaver(org.am)
    RegionMembership.objects.filter(user=org.am).update(
        start_date=today + datetime.timedelta(days=3)
    )
    from django.apps import apps

    _migration().end_leavers_memberships(apps, None, today=today)
    assert end_dates(org.am) == []


def test_the_admin_gives_no_open_membership_to_someone_who_left(admin_client, org, today):
    """The one way left to make a leaver a member again: a membership row in the admin."""
    services.user_deactivate(user=org.am)
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    data = change_form_data(admin_client.get(url))
    data["memberships-TOTAL_FORMS"] = str(int(data["memberships-TOTAL_FORMS"]) + 1)
    new = f"memberships-{int(data['memberships-TOTAL_FORMS']) - 1}-"
    data |= {new + "user": str(org.am.pk), new + "region": str(org.other_region.pk)}
    data[new + "start_date"] = (today + datetime.timedelta(days=1)).isoformat()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "请为该区域归属填写结束日期" in response.content.decode()
    assert not RegionMembership.objects.filter(user=org.am, end_date__isnull=True).exists()

    # With its end date it is history, which the admin may record.
    data[new + "start_date"] = (today - datetime.timedelta(days=30)).isoformat()
    data[new + "end_date"] = (today - datetime.timedelta(days=20)).isoformat()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert RegionMembership.objects.filter(user=org.am, region=org.other_region).exists()
