"""An AM moves from 东 to 西 on a Wednesday (reorganisation QA).

The admin enters it late (on Friday, from Wednesday), or through the user's membership
rows rather than the import: each log is filed under the region of its day all the
same, signed off or not, so both regions' week grids and summaries add up.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts import selectors as org_selectors
from accounts import services
from accounts.models import RegionMembership
from activity import selectors as activity_selectors
from activity.models import DailyLog, LogStatus
from reports import selectors as report_selectors
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
MON, WED, FRI = D(2026, 11, 16), D(2026, 11, 18), D(2026, 11, 20)


def at(day, hour=10):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), SHANGHAI))


@pytest.fixture
def week_of_logs(org):
    """张三's logs Monday to Friday, all in 东; Wednesday's signed off by 东's RM."""
    logs = {}
    for offset in range(5):
        day = MON + datetime.timedelta(days=offset)
        logs[day] = f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=day,
            status=LogStatus.SUBMITTED,
            submitted_at=datetime.datetime.combine(day, datetime.time(20), SHANGHAI),
        )
    DailyLog.objects.filter(pk=logs[WED].pk).update(
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        signed_off_at=datetime.datetime.combine(WED, datetime.time(21), SHANGHAI),
    )
    return logs


def regions_of(logs):
    return {day: DailyLog.objects.get(pk=log.pk).region.name for day, log in logs.items()}


def test_a_move_entered_late_takes_the_signed_off_log_along(org, week_of_logs):
    with at(FRI):
        services.membership_move(user=org.am, region=org.other_region, start_date=WED)
    assert list(regions_of(week_of_logs).values()) == ["东", "东", "西", "西", "西"]
    wednesday = DailyLog.objects.get(pk=week_of_logs[WED].pk)
    assert (wednesday.status, wednesday.signed_off_by) == (LogStatus.SIGNED_OFF, org.rm)
    # 东's RM still reads the log she signed, but no longer acts on it; 西's RM does.
    assert activity_selectors.get_log_for_user(org.rm, wednesday.pk) == wednesday
    assert not org_selectors.can_sign_off(org.rm, wednesday)
    assert org_selectors.can_sign_off(org.other_rm, wednesday)
    assert not activity_selectors.logs_visible_to(org.rm).filter(pk=week_of_logs[FRI].pk).exists()


def test_both_week_grids_and_summaries_add_up(org, week_of_logs):
    with at(FRI):
        services.membership_move(user=org.am, region=org.other_region, start_date=WED)
    with at(MON + datetime.timedelta(days=7)):
        grid = activity_selectors.week_grid(org.other_region, MON, D(2026, 11, 23))
        row = next(r for r in grid if r.member == org.am)
        # Wednesday was filed (and signed off): no 未填 in 西's grid.
        statuses = [cell["status"] for cell in row.cells[:5]]
        assert statuses == [None, None, LogStatus.SIGNED_OFF, "submitted", "submitted"]
        rows = {
            r.label: r
            for r in report_selectors.region_rows(
                branch=org.branch,
                regions=[org.region, org.other_region],
                start=MON,
                end=D(2026, 11, 22),
                today=D(2026, 11, 23),
            )
        }
    east, west = rows["东"], rows["西"]
    # 张三 is 0.4 of 东's week and 0.6 of 西's (李四, 离职者 and 王五 file nothing); each
    # region counts her logs of its days only: 2 of 2 in 东, 3 of 3 in 西.
    assert (east.on_time_logs, west.on_time_logs) == (2, 3)
    assert east.on_time_rate <= 100 and west.on_time_rate <= 100


def test_the_admins_membership_rows_move_her_logs_too(admin_client, org, week_of_logs):
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    data = change_form_data(admin_client.get(url))
    prefix = "memberships"
    assert data[f"{prefix}-TOTAL_FORMS"] == 1
    data[f"{prefix}-0-end_date"] = "2026-11-17"
    data |= {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-1-user": str(org.am.pk),
        f"{prefix}-1-region": str(org.other_region.pk),
        f"{prefix}-1-start_date": "2026-11-18",
    }
    with at(FRI):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert RegionMembership.objects.filter(user=org.am).count() == 2
    assert list(regions_of(week_of_logs).values()) == ["东", "东", "西", "西", "西"]
    # Wednesday's (signed off) and Thursday's wait in 西's queue now, Monday's in 东's.
    assert {log.date for log in activity_selectors.sign_off_queue(org.other_rm)} == {
        D(2026, 11, 19),
        FRI,
    }
    assert {log.date for log in activity_selectors.sign_off_queue(org.rm)} == {
        MON,
        D(2026, 11, 17),
    }
