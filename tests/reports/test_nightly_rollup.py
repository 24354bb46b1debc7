"""The beat's roll-up runs every night: the week that closed on Monday, then each night
the weeks whose logs changed since their roll-up. Weekly, Friday's logs signed off on
Monday morning (on time) reached the week's 签批及时率 only a week later, and the
branch head read the week marked stale all that time."""

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from activity import services as activity_services
from activity.models import Metric, MetricValue
from reports import selectors, tasks
from reports.models import RegionWeekSnapshot, RollupRun
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = datetime.date(2026, 11, 9)
FRIDAY = WEEK + datetime.timedelta(days=4)


def at(day, hour):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), SHANGHAI), tick=False
    )


def east_row(org):
    return selectors.branch_summary(
        user=org.branch_head,
        branch=org.branch,
        start=WEEK,
        end=WEEK + datetime.timedelta(days=6),
    ).rows[0]


def test_fridays_logs_signed_off_on_monday_reach_the_week_on_tuesday_night(org):
    with at(FRIDAY, 20):
        entry = f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=FRIDAY,
            status="submitted",
            submitted_at=datetime.datetime.combine(FRIDAY, datetime.time(20), SHANGHAI),
        )
        MetricValue.objects.create(log=entry, metric=Metric.objects.get(code="visits"), value=4)
    monday = WEEK + datetime.timedelta(weeks=1)
    with at(monday, 1):
        tasks.rollup_closed_weeks()
    assert (
        RollupRun.objects.filter(trigger="schedule", week_start=WEEK, branch=org.branch).count()
        == 1
    )
    assert RegionWeekSnapshot.objects.get(region=org.region).signed_on_time_logs == 0
    with at(monday, 9):
        activity_services.daily_log_sign_off(log=entry, actor=org.rm, comment="好")
        assert east_row(org).stale
    with at(monday + datetime.timedelta(days=1), 1):
        tasks.rollup_closed_weeks()
        row = east_row(org)
    assert not row.stale
    assert (row.submitted_logs, row.signed_on_time_logs) == (1, 1)
    assert (
        RollupRun.objects.filter(trigger="stale", week_start=WEEK, branch=org.branch).count() == 1
    )
    # Nothing changed since: the next night leaves the branch alone.
    with at(monday + datetime.timedelta(days=2), 1):
        assert tasks.rollup_closed_weeks() == 0


def test_a_missed_monday_is_caught_up_the_next_night(org):
    with at(WEEK + datetime.timedelta(weeks=1, days=1), 1):
        tasks.rollup_closed_weeks()
    assert RegionWeekSnapshot.objects.filter(week_start=WEEK, branch=org.branch).exists()


def test_the_beat_runs_the_roll_up_every_night():
    schedule = settings.CELERY_BEAT_SCHEDULE["rollup-closed-weeks"]["schedule"]
    assert schedule.day_of_week == set(range(7))
    assert schedule.hour == {1}
