import datetime
from decimal import Decimal

import pytest
import time_machine

from activity.models import LogStatus, Metric
from planning import selectors
from planning.models import BranchPlanningSettings, PeriodKind, Target
from tests.planning.helpers import metric, write_log

D = datetime.date


class _Line:
    def __init__(self, code_weight, actual, target):
        self.metric = Metric(code="x", weight=Decimal(code_weight))
        self.actual, self.target = actual, target
        self.completion = selectors.completion(actual, target)


def test_completion_may_exceed_100_and_needs_a_target():
    assert selectors.completion(30, 20) == Decimal(150)
    assert selectors.completion(0, 20) == 0
    assert selectors.completion(5, None) is None
    assert selectors.completion(5, 0) is None


def test_weighted_score_averages_by_weight():
    lines = [_Line(2, 10, 10), _Line(1, 5, 10)]  # 100 % × 2 + 50 % × 1
    assert selectors.weighted_score(lines, Decimal(150)) == Decimal(250) / 3


def test_cap_stops_one_metric_hiding_another():
    lines = [_Line(1, 40, 10), _Line(1, 0, 10)]  # 400 % and 0 %
    assert selectors.weighted_score(lines, Decimal(150)) == Decimal(75)
    assert selectors.weighted_score(lines, Decimal(400)) == Decimal(200)


def test_score_skips_metrics_without_target_or_weight():
    lines = [_Line(1, 10, None), _Line(0, 0, 10), _Line(1, 12, 10)]
    assert selectors.weighted_score(lines, Decimal(150)) == Decimal(120)
    assert selectors.weighted_score([_Line(1, 3, None)], Decimal(150)) is None


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (10, Decimal(10), "on_track"),  # exactly 100 %
        (11, Decimal(10), "on_track"),
        (8, Decimal(10), "behind"),  # exactly 80 %
        (9, Decimal(10), "behind"),
        (7, Decimal("8.76"), "at_risk"),  # 79.9 %
        (0, Decimal(0), "on_track"),  # nothing expected yet
    ],
)
def test_pace_thresholds_at_the_boundaries(actual, expected, status):
    assert selectors.pace_status(actual, expected) == status


def _month_target(org, code, value, month):
    Target.objects.create(
        user=org.am,
        metric=metric(code),
        period_kind=PeriodKind.MONTH,
        period_start=month,
        value=value,
        updated_by=org.rm,
    )


def test_an_am_exactly_on_plan_is_on_track_while_the_day_runs(org):
    # 50 visits for the week of Monday 16 November: 10 a working day.
    monday = D(2026, 11, 16)
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.WEEK,
        period_start=monday,
        value=50,
        updated_by=org.rm,
    )

    def visits_line(today):
        sheet = selectors.am_sheet(org.am, org.region, "week", monday, today=today)
        return next(line for line in sheet.lines if line.metric.code == "visits"), sheet

    # Monday morning: no day has ended yet, so nothing is expected.
    line, sheet = visits_line(monday)
    assert (sheet.elapsed_days, line.expected, line.pace) == (0, Decimal(0), "on_track")

    # Wednesday: Monday's and Tuesday's 10 are in, today's log comes tonight.
    write_log(org.am, org.region, monday, visits=10)
    write_log(org.am, org.region, D(2026, 11, 17), visits=10)
    line, sheet = visits_line(D(2026, 11, 18))
    assert (sheet.elapsed_days, line.expected, line.actual) == (2, Decimal(20), 20)
    assert line.pace == "on_track"
    assert line.is_short and not line.is_behind_pace  # short of the week, not of the pace

    # After the week: every working day counts, and short of the target is behind.
    line, sheet = visits_line(D(2026, 11, 23))
    assert (sheet.elapsed_days, line.expected) == (5, Decimal(50))
    assert line.is_short and line.is_behind_pace


def test_pacing_on_the_first_working_days_of_the_month(org):
    # November 2026 has 21 working days; Monday 2 Nov is the first.
    _month_target(org, "visits", 210, D(2026, 11, 1))
    write_log(org.am, org.region, D(2026, 11, 2), visits=7)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 15, 0, tzinfo=datetime.UTC)):
        # 23:00 on 2 November in Shanghai: the first day is not over.
        sheet = selectors.pacing_for(org.am)
    assert sheet.elapsed_days == 0 and sheet.pace == "on_track"
    with time_machine.travel(datetime.datetime(2026, 11, 2, 20, 0, tzinfo=datetime.UTC)):
        # 20:00 UTC is already 3 November in Shanghai: 2 November has ended.
        sheet = selectors.pacing_for(org.am)
    line = next(line for line in sheet.lines if line.metric.code == "visits")
    assert (sheet.elapsed_days, sheet.working_days) == (1, 21)
    assert line.expected == Decimal(10)
    assert line.pace == "at_risk"  # 7 of 10


def test_pacing_at_the_month_end_and_across_the_month_edge(org):
    _month_target(org, "visits", 210, D(2026, 11, 1))
    for day in range(2, 31):
        if D(2026, 11, day).weekday() < 5:
            write_log(org.am, org.region, D(2026, 11, day), visits=9)  # 21 × 9 = 189 = 90 %
    with time_machine.travel(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)):
        # 18:00 on the last day: 20 days have ended, the last log is already in.
        sheet = selectors.pacing_for(org.am)
    line = next(line for line in sheet.lines if line.metric.code == "visits")
    assert line.expected == Decimal(200)
    assert line.actual == 189
    assert line.pace == "behind"  # 94.5 %
    assert sheet.score == Decimal(90)
    with time_machine.travel(datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)):
        # 00:30 on 1 December in Shanghai: a new month with no target yet.
        sheet = selectors.pacing_for(org.am)
    assert sheet.start == D(2026, 12, 1)
    assert all(line.target is None for line in sheet.lines)


def test_weekly_target_derived_from_month_by_working_days(org):
    # October 2026: weeks of 5, 12, 19, 26 Oct with 3, 5, 5, 5 working days.
    _month_target(org, "visits", 180, D(2026, 10, 1))
    sheet = selectors.am_sheet(org.am, org.region, PeriodKind.WEEK, D(2026, 10, 5), D(2026, 10, 9))
    line = next(line for line in sheet.lines if line.metric.code == "visits")
    assert (line.target, line.source) == (30, "derived")
    assert sheet.working_days == 3


def test_a_week_across_a_month_end_takes_its_days_share_of_each_month(org):
    """November 2026 has 21 working days; the week of 30 November has one of them. Its
    Monday used to put the whole week in November: November's target was spread over 25
    days, and an AM who met every week missed the month."""
    _month_target(org, "visits", 147, D(2026, 11, 1))

    def week_target(monday):
        sheet = selectors.am_sheet(org.am, org.region, PeriodKind.WEEK, monday, monday)
        return next(line.target for line in sheet.lines if line.metric.code == "visits")

    # December has no target yet: its four days in that week go at November's rate (7).
    assert [week_target(D(2026, 11, d)) for d in (2, 9, 16, 23, 30)] == [35, 35, 35, 35, 7 + 28]
    # December's 23 working days, four of them in that week: 210 × 4/23 → 36.
    _month_target(org, "visits", 210, D(2026, 12, 1))
    assert week_target(D(2026, 11, 30)) == 7 + 36


def test_cap_comes_from_the_branch_setting(org):
    BranchPlanningSettings.objects.create(branch=org.branch, completion_cap=Decimal(120))
    _month_target(org, "visits", 10, D(2026, 11, 1))
    _month_target(org, "closings", 10, D(2026, 11, 1))
    write_log(org.am, org.region, D(2026, 11, 3), visits=30, closings=5)
    sheet = selectors.am_sheet(
        org.am, org.region, PeriodKind.MONTH, D(2026, 11, 1), D(2026, 11, 30)
    )
    assert sheet.score == Decimal(85)  # (120 + 50) / 2


def test_actuals_count_submitted_and_signed_off_logs_only(org):
    day = D(2026, 11, 3)
    write_log(org.am, org.region, day, status=LogStatus.SUBMITTED, visits=1)
    write_log(
        org.am, org.region, day + datetime.timedelta(days=1), status=LogStatus.SIGNED_OFF, visits=2
    )
    write_log(
        org.am, org.region, day + datetime.timedelta(days=2), status=LogStatus.DRAFT, visits=40
    )
    write_log(
        org.am, org.region, day + datetime.timedelta(days=3), status=LogStatus.RETURNED, visits=80
    )
    found = selectors.actuals(
        author_ids=[org.am.pk], start=day, end=day + datetime.timedelta(days=6)
    )
    assert found == {(org.am.pk, metric("visits").pk): 3}


def test_region_actuals_follow_the_region_on_the_day(org, django_assert_num_queries):
    visits = metric("visits").pk
    # The AM worked in 西 on the 3rd (e.g. before a move) and in 东 on the 4th.
    write_log(org.am, org.other_region, D(2026, 11, 3), visits=5)
    write_log(org.am, org.region, D(2026, 11, 4), visits=7)
    write_log(org.peer_am, org.region, D(2026, 11, 4), visits=1)
    with django_assert_num_queries(1):
        found = selectors.actuals(
            region_ids=[org.region.pk, org.other_region.pk],
            start=D(2026, 11, 1),
            end=D(2026, 11, 30),
        )
    assert found == {(org.region.pk, visits): 8, (org.other_region.pk, visits): 5}
    by_author = selectors.actuals(
        region_ids=[org.region.pk], by="author", start=D(2026, 11, 1), end=D(2026, 11, 30)
    )
    assert by_author == {(org.am.pk, visits): 7, (org.peer_am.pk, visits): 1}


def test_a_joiners_derived_week_counts_only_their_days_and_paces_from_joining(org):
    """QA: 李明 joined on Tuesday 1 December. His first week asked 20 visits (December's
    16 plus its daily rate lent to Monday 30 November, before he was in any region) and
    expected 4 of them by Monday night."""
    from accounts.models import RegionMembership
    from tests import factories as f

    joiner = f.UserFactory(name="李明")
    RegionMembership.objects.create(user=joiner, region=org.region, start_date=D(2026, 12, 1))
    # December: 23 working days, four of them in the week of 30 November.
    Target.objects.create(
        user=joiner,
        metric=metric("visits"),
        period_kind=PeriodKind.MONTH,
        period_start=D(2026, 12, 1),
        value=92,
        updated_by=org.rm,
    )

    def visits_line(today):
        sheet = selectors.am_sheet(joiner, org.region, PeriodKind.WEEK, D(2026, 11, 30), today)
        return next(line for line in sheet.lines if line.metric.code == "visits"), sheet

    line, sheet = visits_line(D(2026, 12, 1))
    assert (line.target, line.expected) == (16, 0)
    assert sheet.working_days == 4
    line, sheet = visits_line(D(2026, 12, 3))  # Tuesday and Wednesday are over
    assert (line.expected, sheet.elapsed_days) == (8, 2)
    # Someone in a region all week keeps the whole derived week (the lent Monday too).
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.MONTH,
        period_start=D(2026, 12, 1),
        value=92,
        updated_by=org.rm,
    )
    sheet = selectors.am_sheet(org.am, org.region, PeriodKind.WEEK, D(2026, 11, 30), D(2026, 12, 1))
    assert next(line.target for line in sheet.lines if line.metric.code == "visits") == 20
