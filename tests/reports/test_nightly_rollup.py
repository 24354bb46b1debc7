"""The beat's roll-up runs every night: the week that closed on Monday, then each night
the weeks whose logs changed since their roll-up. Weekly, Friday's logs signed off on
Monday morning (on time) reached the week's 签批及时率 only a week later, and the
branch head read the week marked stale all that time."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection

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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers: runs on PostgreSQL (production, CI); the zero-setup "
    "SQLite test database locks the whole table instead",
)
@pytest.mark.django_db(transaction=True)
def test_two_roll_ups_of_a_week_racing_in_threads_store_it_once(org):
    """The beat's run and the branch head's 重新计算 (or a retry) at the same moment,
    a first roll-up of the week for both: the branch lock makes them take turns."""
    from reports import services

    for day in (WEEK, FRIDAY):
        entry = f.DailyLogFactory(
            author=org.am, region=org.region, date=day, status="signed_off", signed_off_by=org.rm
        )
        MetricValue.objects.create(log=entry, metric=Metric.objects.get(code="visits"), value=3)
    barrier = threading.Barrier(2)
    errors = []

    def roll_up(trigger):
        try:
            barrier.wait()
            services.rollup_branch_weeks(branch_id=org.branch.pk, weeks=[WEEK], trigger=trigger)
        except Exception as error:  # noqa: BLE001 (the assertion below names it)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=roll_up, args=(t,)) for t in ("schedule", "manual")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    snapshots = RegionWeekSnapshot.objects.filter(branch=org.branch, week_start=WEEK)
    assert snapshots.count() == 2  # 东 and 西, once each
    east = snapshots.get(region=org.region)
    assert east.metrics.get(metric__code="visits").actual == 6
    assert RollupRun.objects.filter(branch=org.branch, week_start=WEEK).count() == 2
    # The second found the first's numbers: nothing changed.
    assert not RollupRun.objects.filter(branch=org.branch, changed=True).exists()


def test_a_branch_without_regions_is_not_rolled_up_every_night(org):
    f.BranchFactory(name="新分公司")  # no region yet
    with at(WEEK + datetime.timedelta(weeks=1), 1):
        tasks.rollup_closed_weeks()  # Monday: every branch
    with at(WEEK + datetime.timedelta(weeks=1, days=1), 1):
        assert tasks.rollup_closed_weeks() == 0
