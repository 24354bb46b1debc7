"""Targets set or changed after their week was rolled up reach the week's snapshot:
an RM agrees November's goal sheet on the 20th, an admin corrects a closed week's
target with a reason, a year's breakdown is saved in its second half. The closed week's
summary (from its snapshot) read "—" or the old target, while its drill-down and the
month's summary (computed live) read the new one."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activity.models import Metric, MetricValue
from planning import periods
from planning import services as planning_services
from planning.models import PeriodKind, Target
from reports import selectors, services
from reports.models import MetricWeekSnapshot, RollupRun
from tests import factories as f

D = datetime.date
WEEK = D(2026, 11, 9)
NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def rolled_up(org):
    visits = Metric.objects.get(code="visits")
    for day in (WEEK, WEEK + datetime.timedelta(days=1)):
        entry = f.DailyLogFactory(
            author=org.am, region=org.region, date=day, status="signed_off", signed_off_by=org.rm
        )
        MetricValue.objects.create(log=entry, metric=visits, value=6)
    services.rollup_branch_week(branch_id=org.branch.pk, week=WEEK)
    return visits


def stored_target(org, visits):
    return MetricWeekSnapshot.objects.get(
        snapshot__region=org.region, snapshot__week_start=WEEK, metric=visits
    ).target


def live_target(org, visits):
    row = selectors.region_rows(
        branch=org.branch,
        regions=[org.region],
        start=WEEK,
        end=WEEK + datetime.timedelta(days=6),
        today=NOW.date(),
    )[0]
    return row.cell(visits.pk).target


@time_machine.travel(NOW, tick=False)
def test_a_goal_sheets_month_target_agreed_late_reaches_the_closed_weeks(
    org, rolled_up, django_capture_on_commit_callbacks
):
    visits = rolled_up
    assert stored_target(org, visits) is None
    with django_capture_on_commit_callbacks(execute=True):
        planning_services.month_targets_set(
            actor=org.rm, user=org.am, month=D(2026, 11, 1), values={visits.pk: 84}, reason=""
        )
    assert live_target(org, visits) is not None
    assert stored_target(org, visits) == live_target(org, visits)
    assert RollupRun.objects.filter(week_start=WEEK, trigger="targets").count() == 1
    summary = selectors.branch_summary(
        user=org.branch_head, branch=org.branch, start=WEEK, end=WEEK + datetime.timedelta(days=6)
    )
    assert summary.from_snapshot
    assert summary.rows[0].cell(visits.pk).target == live_target(org, visits)


@time_machine.travel(NOW, tick=False)
def test_a_closed_weeks_target_corrected_with_a_reason_reaches_its_snapshot(
    org, rolled_up, django_capture_on_commit_callbacks
):
    visits = rolled_up
    Target.objects.create(
        region=org.region,
        metric=visits,
        period_kind=PeriodKind.WEEK,
        period_start=WEEK,
        value=30,
        updated_by=org.admin,
    )
    services.rollup_branch_week(branch_id=org.branch.pk, week=WEEK)
    assert stored_target(org, visits) == 30
    with django_capture_on_commit_callbacks(execute=True):
        planning_services.target_set(
            actor=org.admin,
            region=org.region,
            metric_id=visits.pk,
            kind=PeriodKind.WEEK,
            start=WEEK,
            value=20,
            reason="录错了",
        )
    assert stored_target(org, visits) == 20


@time_machine.travel(NOW, tick=False)
def test_a_years_breakdown_saved_late_rolls_each_branch_up_once(
    org, rolled_up, django_capture_on_commit_callbacks
):
    visits = rolled_up
    other_week = WEEK - datetime.timedelta(weeks=1)
    services.rollup_branch_week(branch_id=org.branch.pk, week=other_week)
    # A year of 520 visits spread evenly over its quarters, months and weeks.
    values = periods.propose(2026, 520, lambda kind, start: 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        planning_services.breakdown_save(
            actor=org.admin, metric=visits, year=2026, values=values, reason="", region=org.region
        )
    assert len(callbacks) == 1  # one roll-up of the branch's weeks, not one per target
    assert stored_target(org, visits) == live_target(org, visits) is not None
    assert RollupRun.objects.filter(trigger="targets").count() == 2  # its two rolled-up weeks
