"""The arithmetic of the region-by-region weekly summary (各区域工作量周总结)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.services import membership_end, membership_move
from activity import services as activity_services
from activity.models import LogStatus, Metric, MetricValue
from planning.models import Target
from reports import selectors, services
from reports.models import MetricWeekSnapshot, RegionWeekSnapshot, RollupRun
from tests import factories as f

MONDAY = datetime.date(2026, 11, 9)  # an ordinary working week, Mon 9 – Sun 15
SUNDAY = MONDAY + datetime.timedelta(days=6)
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def visits(db):
    return Metric.objects.get(code="visits")


def log(author, region, day, visits_count, status=LogStatus.SIGNED_OFF, metric=None):
    entry = f.DailyLogFactory(
        author=author,
        region=region,
        date=day,
        status=status,
        signed_off_by=region.manager if status == LogStatus.SIGNED_OFF else None,
    )
    MetricValue.objects.create(
        log=entry, metric=metric or Metric.objects.get(code="visits"), value=visits_count
    )
    return entry


def target(*, metric, value, user=None, region=None, week=MONDAY, by):
    return Target.objects.create(
        user=user,
        region=region,
        metric=metric,
        period_kind="week",
        period_start=week,
        value=value,
        updated_by=by,
    )


def summary(org, start=MONDAY, end=SUNDAY, user=None):
    return selectors.branch_summary(
        user=user or org.branch_head, branch=org.branch, start=start, end=end, today=TODAY
    )


def row(result, name):
    return next(r for r in result.rows if r.label == name)


def test_actual_target_completion_and_per_head(org, visits):
    log(org.am, org.region, MONDAY, 12)
    log(org.peer_am, org.region, MONDAY + datetime.timedelta(days=1), 9)
    log(
        org.am, org.region, MONDAY + datetime.timedelta(days=2), 5, status=LogStatus.DRAFT
    )  # not counted
    target(metric=visits, value=10, region=org.region, by=org.rm)
    east = row(summary(org), "东")
    cell = east.cell(visits.pk)
    # 张三, 李四 and the deactivated AM were members all week: headcount 3.
    assert east.headcount == Decimal("3.00")
    assert (cell.target, cell.actual) == (Decimal("10.00"), 21)
    assert cell.completion == Decimal(210)  # may exceed 100 %
    assert cell.per_head == Decimal(7)


def test_region_target_is_the_sum_of_its_members_when_not_set(org, visits):
    target(metric=visits, value=30, user=org.am, by=org.rm)
    target(metric=visits, value=20, user=org.peer_am, by=org.rm)
    assert row(summary(org), "东").cell(visits.pk).target == Decimal(50)


def test_no_target_shows_no_completion_and_never_divides_by_zero(org, visits):
    log(org.outsider_am, org.other_region, MONDAY, 4)
    west = row(summary(org), "西")
    cell = west.cell(visits.pk)
    assert cell.target is None and cell.completion is None
    assert west.score is None


def test_empty_region_has_zero_headcount_and_no_per_head(org, visits):
    empty = f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name="空")
    result = summary(org)
    cell = row(result, "空").cell(visits.pk)
    assert (row(result, "空").headcount, cell.actual, cell.per_head, cell.completion) == (
        0,
        0,
        None,
        None,
    )
    assert empty.pk in [r.key for r in result.rows]


def test_mid_week_mover_counts_in_each_region_for_their_days_and_logs_stay(org, visits):
    wednesday = MONDAY + datetime.timedelta(days=2)
    log(org.am, org.region, MONDAY, 5)
    membership_move(user=org.am, region=org.other_region, start_date=wednesday)
    log(org.am, org.other_region, wednesday, 7)
    result = summary(org)
    east, west = row(result, "东"), row(result, "西")
    # Two of five working days in 东 (0.4), three in 西 (0.6).
    assert east.headcount == Decimal("2.40") and west.headcount == Decimal("1.60")
    assert east.cell(visits.pk).actual == 5 and west.cell(visits.pk).actual == 7


def test_mid_week_mover_brings_their_target_to_each_region_for_their_days(org, visits):
    """A mover's week target was counted whole in both regions: the branch's target grew
    by someone moving, and the new region dropped below its highlight line."""
    target(metric=visits, value=25, user=org.am, by=org.rm)
    target(metric=visits, value=20, user=org.peer_am, by=org.rm)
    target(metric=visits, value=30, user=org.outsider_am, by=org.rm)
    before = summary(org)
    membership_move(user=org.am, region=org.other_region, start_date=MONDAY + datetime.timedelta(2))
    result = summary(org)
    east, west = row(result, "东").cell(visits.pk), row(result, "西").cell(visits.pk)
    # 张三: 2 of 5 days in 东 (10 of 25), 3 in 西 (15 of 25).
    assert (east.target, west.target) == (Decimal(20 + 10), Decimal(30 + 15))
    assert result.total.cell(visits.pk).target == before.total.cell(visits.pk).target == 75
    rows, _total = selectors.member_rows(
        region=org.other_region, start=MONDAY, end=SUNDAY, today=TODAY
    )
    assert next(r for r in rows if r.label == "张三").cell(visits.pk).target == 15


def test_leaver_brings_their_target_until_they_leave(org, visits):
    target(metric=visits, value=25, user=org.am, by=org.rm)
    target(metric=visits, value=20, user=org.peer_am, by=org.rm)
    membership_end(user=org.peer_am, end_date=MONDAY)  # one day of five
    assert row(summary(org), "东").cell(visits.pk).target == 25 + 4


def test_leaver_counts_until_they_leave(org, visits):
    membership_end(user=org.peer_am, end_date=MONDAY + datetime.timedelta(days=1))
    assert row(summary(org), "东").headcount == Decimal("2.40")


def test_totals_row_adds_up_the_regions(org, visits):
    log(org.am, org.region, MONDAY, 10)
    log(org.outsider_am, org.other_region, MONDAY, 6)
    target(metric=visits, value=20, region=org.region, by=org.rm)
    result = summary(org)
    total = result.total.cell(visits.pk)
    # 西 has no target: the total target is 东's alone; the actual is both.
    assert (total.target, total.actual) == (Decimal(20), 16)
    assert result.total.headcount == Decimal(4)  # 3 in 东 + 1 in 西
    assert total.per_head == Decimal(4)


def test_partial_week_pro_rates_the_target_by_working_days(org, visits):
    target(metric=visits, value=50, region=org.region, by=org.rm)
    three_days = summary(org, start=MONDAY, end=MONDAY + datetime.timedelta(days=2))
    assert row(three_days, "东").cell(visits.pk).target == Decimal(30)


def test_weighted_task_completion_is_capped(org, visits):
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 40)  # 400 % of the visits target
    log(org.peer_am, org.region, MONDAY, 5, metric=leaflets)  # 50 % of the leaflets target
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=leaflets, value=10, region=org.region, by=org.rm)
    # Default cap 150 %: (150 + 50) / 2 = 100, not (400 + 50) / 2.
    assert row(summary(org), "东").score == Decimal(100)


def test_compliance_on_time_and_signed_on_time(org, visits):
    log(org.am, org.region, MONDAY, 3)  # signed off now: too late for Monday
    entry = log(org.peer_am, org.region, MONDAY, 3, status=LogStatus.SUBMITTED)
    entry.is_late = True
    entry.submitted_at = datetime.datetime(2026, 11, 10, 12, tzinfo=datetime.UTC)
    entry.save()
    first = f.DailyLogFactory._meta.model.objects.get(author=org.am, date=MONDAY)
    first.submitted_at = datetime.datetime(2026, 11, 9, 10, tzinfo=datetime.UTC)
    first.signed_off_at = datetime.datetime(
        2026, 11, 10, 2, tzinfo=datetime.UTC
    )  # Tuesday 10:00 local
    first.save()
    east = row(summary(org), "东")
    assert east.expected_logs == 15  # three members × five working days
    assert (east.submitted_logs, east.on_time_logs, east.signed_on_time_logs) == (2, 1, 1)


def test_friday_log_signed_off_on_monday_is_on_time(org, visits):
    friday = MONDAY + datetime.timedelta(days=4)
    on_monday, on_tuesday = (
        log(org.am, org.region, friday, 3),
        log(org.peer_am, org.region, friday, 3),
    )
    for entry, signed_at in [
        (on_monday, datetime.datetime(2026, 11, 16, 9, tzinfo=datetime.UTC)),  # Mon 17:00
        (on_tuesday, datetime.datetime(2026, 11, 16, 17, tzinfo=datetime.UTC)),  # Tue 01:00
    ]:
        entry.submitted_at = datetime.datetime(2026, 11, 13, 10, tzinfo=datetime.UTC)
        entry.signed_off_at = signed_at
        entry.save()
    east = row(summary(org), "东")
    # The next working day after Friday is Monday: the weekend does not count against the RM.
    assert (east.submitted_logs, east.signed_on_time_logs) == (2, 1)


def test_a_period_without_working_days_has_no_headcount_and_no_division_error(org, visits):
    weekend = summary(org, start=SUNDAY - datetime.timedelta(days=1), end=SUNDAY)
    east = row(weekend, "东")
    assert east.headcount == 0
    assert east.cell(visits.pk).per_head is None
    assert east.expected_logs == 0


def test_regional_manager_sees_only_their_own_region_row(org):
    assert [r.label for r in summary(org, user=org.rm).rows] == ["东"]


def _raw_totals(branch_id, start, end):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.region_id, v.metric_id, SUM(v.value)
            FROM activity_metricvalue v
            JOIN activity_dailylog l ON l.id = v.log_id
            JOIN accounts_region r ON r.id = l.region_id
            WHERE r.branch_id = %s AND l.date BETWEEN %s AND %s
              AND l.status IN ('submitted', 'signed_off')
            GROUP BY l.region_id, v.metric_id
            """,
            [branch_id, start, end],
        )
        return {(region, metric): total for region, metric, total in cursor.fetchall()}


def test_rollup_equals_an_independent_sql_group_by_and_is_idempotent(org):
    import random

    rng = random.Random(7)
    metrics = list(Metric.objects.all())
    people = [(org.am, org.region), (org.peer_am, org.region), (org.outsider_am, org.other_region)]
    for i in range(5):
        for author, region in people:
            status = rng.choice(
                [LogStatus.SUBMITTED, LogStatus.SIGNED_OFF, LogStatus.DRAFT, LogStatus.RETURNED]
            )
            entry = f.DailyLogFactory(
                author=author,
                region=region,
                date=MONDAY + datetime.timedelta(days=i),
                status=status,
                signed_off_by=region.manager if status == LogStatus.SIGNED_OFF else None,
            )
            MetricValue.objects.bulk_create(
                [MetricValue(log=entry, metric=m, value=rng.randint(0, 40)) for m in metrics]
            )
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    first = sorted(
        MetricWeekSnapshot.objects.values_list(
            "snapshot__region_id", "metric_id", "actual", "target"
        )
    )
    stored = {(r, m): a for r, m, a, _t in first if a}
    assert stored == _raw_totals(org.branch.pk, MONDAY, SUNDAY)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    second = sorted(
        MetricWeekSnapshot.objects.values_list(
            "snapshot__region_id", "metric_id", "actual", "target"
        )
    )
    assert second == first
    assert RegionWeekSnapshot.objects.count() == 2  # 东, 西: replaced, not added
    # A first roll-up has nothing to differ from: "numbers changed" read alarming there.
    assert list(RollupRun.objects.order_by("pk").values_list("changed", flat=True)) == [
        False,
        False,
    ]


def test_closed_week_is_served_from_the_snapshot_and_a_later_edit_marks_it_stale(org, visits):

    entry = log(org.am, org.region, MONDAY, 8)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    result = summary(org)
    assert result.from_snapshot and not result.stale
    assert row(result, "东").cell(visits.pk).actual == 8

    activity_services.daily_log_reopen(log=entry, actor=org.rm, reason="数字有误")
    result = summary(org)
    assert result.stale and row(result, "东").stale and not row(result, "西").stale
    assert row(result, "东").cell(visits.pk).actual == 8  # the snapshot still, flagged
    assert selectors.stale_snapshot_weeks(org.branch.pk) == [MONDAY]

    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="stale")
    result = summary(org)
    assert not result.stale
    assert row(result, "东").cell(visits.pk).actual == 0  # reopened: no longer counted
    assert selectors.stale_snapshot_weeks(org.branch.pk) == []


def test_a_draft_of_a_closed_weeks_day_does_not_mark_it_stale(org, visits):
    """A draft counts nowhere in the summary; once handed in, it does."""

    with time_machine.travel(datetime.datetime(2026, 11, 16, 1, tzinfo=datetime.UTC)):
        log(org.am, org.region, MONDAY, 8)
        services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    with time_machine.travel(datetime.datetime(2026, 11, 17, 9, tzinfo=datetime.UTC)):
        fields = {"log_date": MONDAY + datetime.timedelta(days=1), "fields": {}, "visits": []}
        activity_services.daily_log_save(author=org.peer_am, counts={visits.pk: 4}, **fields)
        assert not summary(org).stale
        assert selectors.stale_snapshot_weeks(org.branch.pk) == []
        activity_services.daily_log_save(
            author=org.peer_am, counts={visits.pk: 4}, submit=True, **fields
        )
        assert row(summary(org), "东").stale


def test_rerun_with_only_compliance_changed_rewrites_the_week(org, visits):
    entry = log(org.am, org.region, MONDAY, 8)
    entry.submitted_at = datetime.datetime(2026, 11, 9, 10, tzinfo=datetime.UTC)
    entry.save()
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    east = RegionWeekSnapshot.objects.get(region=org.region)
    assert (east.submitted_logs, east.on_time_logs) == (1, 1)

    entry.is_late = True  # same counts, but handed in late
    entry.save()
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    assert RegionWeekSnapshot.objects.get(region=org.region).on_time_logs == 0
    assert list(RollupRun.objects.order_by("pk").values_list("changed", flat=True)) == [False, True]


def test_rerun_without_changes_keeps_the_rows_and_records_when_it_checked(org, visits):
    log(org.am, org.region, MONDAY, 8)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    before = {s.pk: s.computed_at for s in RegionWeekSnapshot.objects.all()}
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    after = {s.pk: s.computed_at for s in RegionWeekSnapshot.objects.all()}
    assert after.keys() == before.keys()
    assert all(after[pk] > before[pk] for pk in before)


def test_snapshot_keeps_the_region_people_belonged_to(org, visits):
    log(org.am, org.region, MONDAY, 6)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    membership_move(user=org.am, region=org.other_region, start_date=TODAY)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    assert row(summary(org), "东").cell(visits.pk).actual == 6
    assert row(summary(org), "东").headcount == Decimal(3)


def test_member_rows_drill_into_a_region(org, visits):
    log(org.am, org.region, MONDAY, 12)
    target(metric=visits, value=10, user=org.am, by=org.rm)
    rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    zhang = next(r for r in rows if r.label == "张三")
    assert (zhang.headcount, zhang.cell(visits.pk).target, zhang.cell(visits.pk).actual) == (
        1,
        10,
        12,
    )
    assert total.cell(visits.pk).actual == 12


def test_sorting_puts_rows_without_a_value_last(org, visits):
    log(org.am, org.region, MONDAY, 12)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    result = summary(org)
    assert [
        r.label for r in selectors.sort_rows(result.rows, "-visits.completion", result.metrics)
    ] == ["东", "西"]
    assert [
        r.label for r in selectors.sort_rows(result.rows, "visits.completion", result.metrics)
    ] == ["东", "西"]
    assert [r.label for r in selectors.sort_rows(result.rows, "-name", result.metrics)] == [
        "西",
        "东",
    ]


def test_rebuilding_many_weeks_and_branches_in_one_pass_equals_week_by_week(org, visits):
    from reports.models import RollupRun

    next_monday = MONDAY + datetime.timedelta(weeks=1)
    log(org.am, org.region, MONDAY, 4)
    log(org.am, org.region, next_monday + datetime.timedelta(days=3), 9)
    log(org.foreign_am, org.foreign_region, next_monday, 2)
    target(metric=visits, value=10, region=org.region, week=next_monday, by=org.rm)
    branches = [org.branch.pk, org.other_branch.pk]

    def stored():
        return sorted(
            MetricWeekSnapshot.objects.values_list(
                "snapshot__region_id",
                "snapshot__week_start",
                "metric_id",
                "actual",
                "target",
                "snapshot__headcount",
                "snapshot__expected_logs",
            )
        )

    for branch_id in branches:
        for week in (MONDAY, next_monday):
            services.rollup_branch_week(branch_id=branch_id, week=week)
    week_by_week = stored()
    services.rollup_branches_weeks(branch_ids=branches, weeks=[MONDAY, next_monday])
    assert stored() == week_by_week
    assert not RollupRun.objects.filter(changed=True).exists()  # first runs, then the same
    assert (
        org.region.pk,
        next_monday,
        visits.pk,
        9,
        Decimal("10.00"),
        Decimal(3),
        15,
    ) in week_by_week


def test_trend_gives_each_region_its_weighted_completion_per_rolled_up_week(org, visits):
    previous = MONDAY - datetime.timedelta(weeks=1)
    log(org.am, org.region, MONDAY, 20)
    log(org.am, org.region, previous, 5)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=visits, value=10, region=org.region, by=org.rm, week=previous)
    services.rollup_branch_weeks(branch_id=org.branch.pk, weeks=[previous, MONDAY])
    weeks, series = selectors.trend(user=org.branch_head, branch=org.branch, last_week=MONDAY)
    assert weeks[-2:] == [previous, MONDAY]
    scores = {region.name: values for region, values in series}
    assert scores["东"][-2:] == [Decimal(50), Decimal(150)]  # 200 % capped at 150 %
    assert scores["东"][0] is None  # no snapshot that week
    assert scores["西"][-2:] == [None, None]  # rolled up, but no target
    assert [
        region.name
        for region, _ in selectors.trend(user=org.rm, branch=org.branch, last_week=MONDAY)[1]
    ] == ["东"]


def test_one_rollup_of_two_branches_applies_each_branch_calendar(org, visits):
    from planning.models import BranchPlanningSettings

    # Branch 二 works Saturdays: a Friday log is due by Saturday there, by Monday here.
    BranchPlanningSettings.objects.create(branch=org.other_branch, working_weekdays="012345")
    friday = MONDAY + datetime.timedelta(days=4)
    signed_monday = datetime.datetime(2026, 11, 16, 2, tzinfo=datetime.UTC)  # Mon 10:00
    for author, region in [(org.am, org.region), (org.foreign_am, org.foreign_region)]:
        entry = log(author, region, friday, 3)
        entry.submitted_at = datetime.datetime(2026, 11, 13, 10, tzinfo=datetime.UTC)
        entry.signed_off_at = signed_monday
        entry.save()
    services.rollup_branches_weeks(branch_ids=[org.branch.pk, org.other_branch.pk], weeks=[MONDAY])
    here = RegionWeekSnapshot.objects.get(region=org.region)
    there = RegionWeekSnapshot.objects.get(region=org.foreign_region)
    assert (here.submitted_logs, here.signed_on_time_logs) == (1, 1)
    assert (there.submitted_logs, there.signed_on_time_logs) == (1, 0)


def test_member_rows_tell_two_ams_of_one_name_apart(org, visits):
    f.member(org.region, name="王伟", employee_no="1101")
    f.member(org.region, name="王伟", employee_no="1102")
    rows, _total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    labels = [r.label for r in rows]
    assert "王伟 1101" in labels and "王伟 1102" in labels and "张三" in labels


# --- the month boundary (QA on 1 December 2026) -----------------------------------------


def month_target(*, metric, value, month, by, user=None, region=None):
    return Target.objects.create(
        user=user,
        region=region,
        metric=metric,
        period_kind="month",
        period_start=month,
        value=value,
        updated_by=by,
    )


NOVEMBER, DECEMBER = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
WEEK_OF_NOV_30 = datetime.date(2026, 11, 30)


def breakdown_november(org, visits):
    """The annual breakdown files a week under the month of its Monday: November's 1016
    is spread over the weeks of 2, 9, 16, 23 and 30 November (the last runs to 6 Dec)."""
    month_target(metric=visits, value=1016, month=NOVEMBER, region=org.region, by=org.rm)
    for week, value in zip(
        [NOVEMBER + datetime.timedelta(days=1 + 7 * i) for i in range(5)],
        [204, 203, 203, 203, 203],
        strict=True,
    ):
        target(metric=visits, value=value, region=org.region, week=week, by=org.rm)


def test_a_whole_month_takes_the_month_target_as_the_plan_page_does(org, visits):
    """QA: November read 854 in the summary (the weeks, the last cut to one day) and 1016
    on the plan page."""
    breakdown_november(org, visits)
    result = summary(org, start=NOVEMBER, end=datetime.date(2026, 11, 30))
    assert row(result, "东").cell(visits.pk).target == Decimal(1016)


def test_parts_of_the_week_across_the_month_end_add_up_to_the_week(org, visits):
    """QA: 1–6 December read 204, more than the whole week's 203: the week of 30 November
    was not read for a span starting in December."""
    breakdown_november(org, visits)
    sunday = WEEK_OF_NOV_30 + datetime.timedelta(days=6)
    whole = row(summary(org, start=WEEK_OF_NOV_30, end=sunday), "东").cell(visits.pk).target
    monday = row(summary(org, start=WEEK_OF_NOV_30, end=WEEK_OF_NOV_30), "东")
    rest = row(summary(org, start=DECEMBER, end=sunday), "东")
    assert whole == 203
    assert (monday.cell(visits.pk).target, rest.cell(visits.pk).target) == (
        Decimal("40.60"),
        Decimal("162.40"),
    )


def test_a_month_without_month_targets_still_adds_up_its_weeks(org, visits):
    target(metric=visits, value=50, user=org.am, week=datetime.date(2026, 11, 2), by=org.rm)
    result = summary(org, start=NOVEMBER, end=datetime.date(2026, 11, 30))
    assert row(result, "东").cell(visits.pk).target == 50


def test_part_of_the_week_across_the_month_end_takes_each_days_own_months_rate(org, visits):
    """The summary's default on Wednesday 2 December is Monday 30 November to Tuesday the
    1st. 张三's November is 210 visits over 21 working days (10 a day), December 460 over
    23 (20 a day): the week of 30 November is 10 + 80 = 90. Its first two days read 36,
    2/5 of the week, where one day of each month is 10 + 20; 1–6 December read 72, not
    December's 80. The whole week stays 90."""
    month_target(metric=visits, value=210, month=NOVEMBER, user=org.am, by=org.rm)
    month_target(metric=visits, value=460, month=DECEMBER, user=org.am, by=org.rm)
    sunday = WEEK_OF_NOV_30 + datetime.timedelta(days=6)

    def east(start, end):
        return row(summary(org, start=start, end=end), "东").cell(visits.pk).target

    assert east(WEEK_OF_NOV_30, sunday) == 90
    assert east(WEEK_OF_NOV_30, DECEMBER) == 10 + 20
    assert east(DECEMBER, sunday) == 80
    assert east(WEEK_OF_NOV_30, WEEK_OF_NOV_30) == 10
    rows, _total = selectors.member_rows(
        region=org.region, start=WEEK_OF_NOV_30, end=DECEMBER, today=TODAY
    )
    assert next(r for r in rows if r.label == "张三").cell(visits.pk).target == 30


def test_drill_down_shows_the_regions_own_target_when_it_is_not_its_members_sum(org, visits):
    """QA: the summary said 西北 was ahead (its own target), the drill-down's total said
    behind (its AMs' targets), with nothing to say why."""
    month_target(metric=visits, value=100, month=NOVEMBER, region=org.region, by=org.rm)
    month_target(metric=visits, value=60, month=NOVEMBER, user=org.am, by=org.rm)
    month_target(metric=visits, value=70, month=NOVEMBER, user=org.peer_am, by=org.rm)
    end = datetime.date(2026, 11, 30)
    _rows, total = selectors.member_rows(region=org.region, start=NOVEMBER, end=end, today=TODAY)
    line = selectors.region_line(
        region=org.region, start=NOVEMBER, end=end, total=total, today=TODAY
    )
    assert total.cell(visits.pk).target == 130
    assert (
        line.cell(visits.pk).target
        == 100
        == row(summary(org, start=NOVEMBER, end=end), "东").cell(visits.pk).target
    )
    assert org.region.name in line.label


def test_drill_down_has_no_second_line_when_the_targets_agree(org, visits):
    month_target(metric=visits, value=60, month=NOVEMBER, user=org.am, by=org.rm)
    end = datetime.date(2026, 11, 30)
    _rows, total = selectors.member_rows(region=org.region, start=NOVEMBER, end=end, today=TODAY)
    assert (
        selectors.region_line(region=org.region, start=NOVEMBER, end=end, total=total, today=TODAY)
        is None
    )


def test_todays_log_is_not_missing_before_the_day_is_over(org, visits):
    """QA: at 00:30 on 1 December, AMs whose only working day so far was today read 0 %
    on time."""
    tuesday = MONDAY + datetime.timedelta(days=1)
    log(org.am, org.region, MONDAY, 3)
    before = selectors.branch_summary(
        user=org.branch_head, branch=org.branch, start=MONDAY, end=SUNDAY, today=tuesday
    )
    assert row(before, "东").expected_logs == 3  # Monday only, three members
    handed_in = log(org.peer_am, org.region, tuesday, 3, status=LogStatus.SUBMITTED)
    handed_in.submitted_at = datetime.datetime(2026, 11, 10, 10, tzinfo=datetime.UTC)
    handed_in.save()
    after = selectors.branch_summary(
        user=org.branch_head, branch=org.branch, start=MONDAY, end=SUNDAY, today=tuesday
    )
    assert row(after, "东").expected_logs == 4  # and today's log, handed in


def test_a_log_whose_sign_off_is_not_due_yet_does_not_count_against_the_rm(org, visits):
    friday = MONDAY + datetime.timedelta(days=4)
    waiting = log(org.am, org.region, friday, 3, status=LogStatus.SUBMITTED)
    waiting.submitted_at = datetime.datetime(2026, 11, 13, 10, tzinfo=datetime.UTC)
    waiting.save()
    next_monday = SUNDAY + datetime.timedelta(days=1)

    def east(today):
        return row(
            selectors.branch_summary(
                user=org.branch_head, branch=org.branch, start=MONDAY, end=SUNDAY, today=today
            ),
            "东",
        )

    # Monday: the RM has until the end of the day for Friday's log.
    assert (east(next_monday).submitted_logs, east(next_monday).signed_on_time_rate) == (0, None)
    tuesday = next_monday + datetime.timedelta(days=1)
    assert (east(tuesday).submitted_logs, east(tuesday).signed_on_time_rate) == (1, 0)


def test_a_closed_week_keeps_the_metrics_it_was_summarised_with(org, visits):
    """QA: switching 折页 off dropped its column from last week's summary and moved its
    task completion, under "summarised at …"."""
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 8)
    log(org.am, org.region, MONDAY + datetime.timedelta(days=1), 30, metric=leaflets)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=leaflets, value=60, region=org.region, by=org.rm)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    before = summary(org)
    leaflets.is_active = False
    leaflets.save()
    added = Metric.objects.create(code="recruits", name="增员", order=99)
    after = summary(org)
    assert after.from_snapshot
    assert leaflets in after.metrics and added not in after.metrics
    assert [m.code for m in after.metrics] == [m.code for m in before.metrics]
    assert row(after, "东").score == row(before, "东").score


def test_a_region_created_after_a_week_is_not_an_empty_row_of_it(org, visits):
    """QA: regions an import created on 1 December were listed with 0 and — in last week's
    summary, and the roll-up rerun said last week's numbers had changed."""
    log(org.am, org.region, MONDAY, 8)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    new = f.RegionFactory(branch=org.branch, area=org.area, name="新区", created_on=TODAY)
    assert "新区" not in [r.label for r in summary(org).rows]
    run = services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="stale")
    assert not run.changed and run.regions == 2
    assert not RegionWeekSnapshot.objects.filter(region=new).exists()
    this_week = summary(org, start=TODAY, end=TODAY + datetime.timedelta(days=6))
    assert "新区" in [r.label for r in this_week.rows]


def test_a_closed_weeks_drill_down_keeps_the_metrics_of_its_summary(org, visits):
    """QA: after 折页 was switched off, last week's drill-down lost 折页 (and gained a new
    metric) while the summary kept them: its region line disagreed with the row."""
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 8)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    leaflets.is_active = False
    leaflets.save()
    added = Metric.objects.create(code="recruits", name="增员", order=99)
    summarised = [m.code for m in summary(org).metrics]
    _rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    assert [c.metric.code for c in total.cells] == summarised
    assert "leaflets" in summarised and added.code not in summarised
    # A week not summarised yet shows the metrics active now.
    later = MONDAY + datetime.timedelta(weeks=1)
    _rows, total = selectors.member_rows(
        region=org.region, start=later, end=later + datetime.timedelta(days=6), today=TODAY
    )
    assert "leaflets" not in [c.metric.code for c in total.cells]


def test_per_head_divides_by_the_headcount_shown(org, visits):
    """QA: 116.7 in the summary (1045 / 8.9525) and 116.8 in the drill-down (1045 / 8.95)."""
    wednesday = MONDAY + datetime.timedelta(days=2)
    membership_move(user=org.am, region=org.other_region, start_date=wednesday)
    log(org.peer_am, org.region, MONDAY, 10)
    # Monday to Wednesday: 张三 was in 东 for 2 of 3 days, a headcount of 2.67 (2.666…).
    east = row(summary(org, end=wednesday), "东")
    cell = east.cell(visits.pk)
    assert east.headcount == Decimal("2.67")
    assert cell.per_head == Decimal(10) / Decimal("2.67")


def test_a_closed_week_keeps_the_weights_and_cap_it_was_summarised_with(org, visits):
    """Newcomer QA: setting 促成's weight to 3 moved last week's 任务完成率 from 86.6 % to
    87.6 % under 'summarised at 01:18', unflagged, unlike the Excel taken before."""
    from planning.models import BranchPlanningSettings

    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 5)
    log(org.am, org.region, MONDAY + datetime.timedelta(days=1), 90, metric=leaflets)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=leaflets, value=60, region=org.region, by=org.rm)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    before = row(summary(org), "东").score  # (50 + 150) / 2
    assert before == Decimal(100)
    leaflets.weight = 3
    leaflets.save()
    BranchPlanningSettings.objects.update_or_create(
        branch=org.branch, defaults={"completion_cap": 200}
    )
    closed = summary(org)
    assert row(closed, "东").score == before
    assert closed.total.score == before  # the total too (re-test QA: 88.6 % → 88.4 %)
    _rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    line = selectors.region_line(
        region=org.region, start=MONDAY, end=SUNDAY, total=total, today=TODAY
    )
    assert line.score == before  # the drill-down's region line agrees with the row
    weeks, lines = selectors.trend(user=org.branch_head, branch=org.branch, last_week=MONDAY)
    east = dict(lines)[org.region]
    assert east[weeks.index(MONDAY)] == before  # the chart agrees with the table
    # A recompute applies today's weights and cap, and says the numbers changed.
    run = services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="manual")
    assert run.changed
    assert row(summary(org), "东").score == (50 + 3 * 150) / Decimal(4)


def test_a_joiners_target_in_part_of_a_week_counts_only_their_days_in_it(org, visits):
    """QA: AMs who joined on Tuesday 1 December. Monday to Tuesday's summary took 2/5 of
    the week of 4/5 of their week target: 60 % too much, every region behind."""
    joiner = f.UserFactory(name="李明")
    f.MembershipFactory(
        user=joiner, region=org.other_region, start_date=MONDAY + datetime.timedelta(1)
    )
    target(metric=visits, value=25, user=joiner, by=org.rm)
    target(metric=visits, value=30, user=org.outsider_am, by=org.rm)
    tuesday = MONDAY + datetime.timedelta(days=1)
    west = row(summary(org, start=MONDAY, end=tuesday), "西").cell(visits.pk)
    # 王五 two days of five (12), 李明 one day (5).
    assert west.target == Decimal(12 + 5)
    rows, total = selectors.member_rows(
        region=org.other_region, start=MONDAY, end=tuesday, today=TODAY
    )
    assert next(r for r in rows if r.label == "李明").cell(visits.pk).target == 5
    # The whole week is unchanged: four days of five.
    assert row(summary(org), "西").cell(visits.pk).target == Decimal(30 + 20)


def test_a_whole_month_without_a_month_target_lends_no_target_from_the_month_before(org, visits):
    """QA: December's report gave AMs whose December sheet was not agreed yet four days
    at November's rate (24 visits), a target nobody agreed; the drill-down's total then
    disagreed with the branch row and a note claimed the region had targets of its own."""
    month_target(metric=visits, value=126, month=NOVEMBER, user=org.am, by=org.rm)
    month_target(metric=visits, value=126, month=NOVEMBER, user=org.peer_am, by=org.rm)
    month_target(metric=visits, value=161, month=DECEMBER, user=org.peer_am, by=org.rm)
    end = datetime.date(2026, 12, 31)
    rows, total = selectors.member_rows(region=org.region, start=DECEMBER, end=end, today=TODAY)
    by_name = {r.label: r.cell(visits.pk).target for r in rows}
    assert (by_name["张三"], by_name["李四"]) == (None, 161)
    assert total.cell(visits.pk).target == 161
    assert row(summary(org, start=DECEMBER, end=end), "东").cell(visits.pk).target == 161
    assert (
        selectors.region_line(region=org.region, start=DECEMBER, end=end, total=total, today=TODAY)
        is None
    )


# --- calendar edges (QA calendar walk-through, D3 and D4) --------------------------------


def _handed_in(entry, at: datetime.datetime, *, late=False, signed_at=None):
    entry.submitted_at, entry.is_late, entry.signed_off_at = at, late, signed_at
    entry.handed_in_on = activity_services.reached_rm_on(entry.date, at)  # as the hand-in does
    entry.save()
    return entry


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    """`hour` o'clock local time (Asia/Shanghai) on `day`."""
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC) - (
        datetime.timedelta(hours=8)
    )


def test_a_log_on_a_day_off_is_not_an_on_time_log_of_a_working_day(org, visits):
    """QA D3: a Saturday log handed in that evening read 日志按时率 120 %, and a holiday
    entered after the logs were written (元旦 in 宁波) 125 % on every row."""
    from planning.models import CalendarOverride

    for i in range(6):  # Monday to Saturday, each handed in on its evening
        day = MONDAY + datetime.timedelta(days=i)
        _handed_in(log(org.am, org.region, day, 3, status=LogStatus.SUBMITTED), _at(day, 18))
    rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    zhang = next(r for r in rows if r.label == "张三")
    assert (zhang.expected_logs, zhang.on_time_logs, zhang.on_time_rate) == (5, 5, 100)
    assert zhang.submitted_logs == 6  # the Saturday log still waits for a sign-off

    wednesday = MONDAY + datetime.timedelta(days=2)
    CalendarOverride.objects.create(branch=org.branch, date=wednesday, is_working_day=False)
    zhang = next(
        r
        for r in selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)[0]
        if r.label == "张三"
    )
    assert (zhang.expected_logs, zhang.on_time_logs, zhang.on_time_rate) == (4, 4, 100)
    assert row(summary(org), "东").on_time_logs == 4


def test_a_late_log_is_due_for_sign_off_from_the_day_it_was_handed_in(org, visits):
    """QA D4: a 补交 log for 1 January handed in on 11 January dropped the RM's 签批及时率
    the moment it arrived: the deadline ran from the log's day, not from its arrival."""
    friday = MONDAY + datetime.timedelta(days=11)  # Friday 20 November
    next_monday = friday + datetime.timedelta(days=3)
    late = _handed_in(
        log(org.am, org.region, MONDAY, 3, status=LogStatus.SUBMITTED), _at(friday, 18), late=True
    )

    def east(today):
        return row(
            selectors.branch_summary(
                user=org.branch_head, branch=org.branch, start=MONDAY, end=SUNDAY, today=today
            ),
            "东",
        )

    # Handed in on Friday evening: the RM has until the end of Monday.
    for today in (friday, next_monday):
        assert (east(today).submitted_logs, east(today).signed_on_time_rate) == (0, None)
    tuesday = next_monday + datetime.timedelta(days=1)
    assert (east(tuesday).submitted_logs, east(tuesday).signed_on_time_rate) == (1, 0)

    late.status, late.signed_off_by = LogStatus.SIGNED_OFF, org.rm
    _handed_in(late, _at(friday, 18), late=True, signed_at=_at(next_monday, 17))
    assert (east(tuesday).submitted_logs, east(tuesday).signed_on_time_rate) == (1, 100)
    # The roll-up applies the same deadline.
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    stored = RegionWeekSnapshot.objects.get(region=org.region)
    assert (stored.submitted_logs, stored.signed_on_time_logs) == (1, 1)


def test_a_rest_days_log_handed_in_on_the_next_working_day_is_no_late_log(org, client_for):
    """Saturday's log of an AM who worked that day, handed in on Monday with Friday's:
    Friday's is 补交 and counts against her 按时提交率, Saturday's is neither (due with
    Monday's). Both reached the RM on Monday: she has until the end of Tuesday for them."""
    saturday = MONDAY + datetime.timedelta(days=5)
    next_monday, next_tuesday = saturday + datetime.timedelta(2), saturday + datetime.timedelta(3)
    logs = {}
    for day, handed_in in [(MONDAY + datetime.timedelta(i), None) for i in range(4)] + [
        (MONDAY + datetime.timedelta(days=4), next_monday),
        (saturday, next_monday),
    ]:
        with time_machine.travel(_at(handed_in or day, 19), tick=False):
            logs[day] = activity_services.daily_log_save(
                author=org.am, log_date=day, fields={}, counts={}, visits=[], submit=True
            )
    with time_machine.travel(_at(next_tuesday, 17), tick=False):
        for entry in logs.values():
            activity_services.daily_log_sign_off(log=entry, actor=org.rm)
    friday = MONDAY + datetime.timedelta(days=4)
    assert [day for day, entry in logs.items() if entry.is_late] == [friday]

    rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    zhang = next(r for r in rows if r.label == "张三")
    assert (zhang.expected_logs, zhang.on_time_logs, zhang.on_time_rate) == (5, 4, 80)
    # Mon–Thu signed too late (Tuesday); Friday's and Saturday's in time.
    assert (zhang.submitted_logs, zhang.signed_on_time_logs) == (6, 2)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    stored = RegionWeekSnapshot.objects.get(region=org.region)
    assert (stored.on_time_logs, stored.submitted_logs, stored.signed_on_time_logs) == (4, 6, 2)

    # Her page in the report marks Friday's 补交, not Saturday's.
    url = reverse("reports:member", args=[org.region.pk, org.am.pk])
    html = client_for(org.rm).get(url, {"start": MONDAY, "end": SUNDAY}).content.decode()
    cells = {day: html.split(day.strftime("%m-%d"))[1].split("</td>")[0] for day in logs}
    assert [day for day, cell in cells.items() if "补交" in cell] == [friday]


# --- a target that covers only some of a region (QA calendar walk-through, D1) -----------


def test_completion_compares_a_partial_target_with_what_its_people_did(org, visits):
    """QA D1: early in January only 2 of 城东's 10 AMs had an agreed sheet; their targets
    (74) were set against all ten's visits (281): 379.7 %, and 1,467.6 % for the total."""
    target(metric=visits, value=10, user=org.am, by=org.rm)  # 张三 only
    log(org.am, org.region, MONDAY, 5)
    log(org.peer_am, org.region, MONDAY, 20)  # 李四: no target
    log(org.outsider_am, org.other_region, MONDAY, 4)  # 西: no target at all
    result = summary(org)
    east = row(result, "东")
    cell = east.cell(visits.pk)
    assert (cell.target, cell.actual, cell.completion) == (10, 25, 50)  # not 250 %
    assert east.coverage == (1, 3)  # 张三, 李四 and the deactivated AM
    assert east.score == 50
    total = result.total
    assert (total.cell(visits.pk).actual, total.cell(visits.pk).completion) == (29, 50)
    assert total.coverage == (1, 4)
    rows, drill_total = selectors.member_rows(
        region=org.region, start=MONDAY, end=SUNDAY, today=TODAY
    )
    assert drill_total.cell(visits.pk).completion == 50 and drill_total.coverage == (1, 3)
    assert all(r.coverage is None for r in rows)  # an AM's own row says it with "—"

    # A closed week's snapshot, and the trend drawn from it, read the same.
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    closed = summary(org)
    assert closed.from_snapshot
    assert row(closed, "东").cell(visits.pk).completion == 50
    assert row(closed, "东").coverage == (1, 3) and closed.total.coverage == (1, 4)
    weeks, lines = selectors.trend(user=org.branch_head, branch=org.branch, last_week=MONDAY)
    assert dict(lines)[org.region][weeks.index(MONDAY)] == 50


def test_a_target_for_part_of_the_period_counts_what_was_done_in_that_part(org, visits):
    next_monday = MONDAY + datetime.timedelta(weeks=1)
    target(metric=visits, value=10, user=org.am, by=org.rm)  # the first week only
    log(org.am, org.region, MONDAY, 5)
    log(org.am, org.region, next_monday, 7)  # a week without a target
    cell = row(summary(org, end=next_monday + datetime.timedelta(days=6)), "东").cell(visits.pk)
    assert (cell.target, cell.actual, cell.covered_actual, cell.completion) == (10, 12, 5, 50)


def test_a_regions_own_target_covers_everyone(org, visits):
    target(metric=visits, value=20, region=org.region, by=org.rm)
    target(metric=visits, value=10, user=org.am, by=org.rm)
    log(org.am, org.region, MONDAY, 5)
    log(org.peer_am, org.region, MONDAY, 20)
    east = row(summary(org), "东")
    assert east.cell(visits.pk).completion == Decimal(125) and east.coverage is None


def _retire(code):
    metric = Metric.objects.get(code=code)
    metric.is_active = False
    metric.save()
    return metric


def test_a_recompute_keeps_a_retired_metric_the_week_recorded(org, visits):
    """Metrics QA: 折页 switched off on Wednesday; 立即重算 of last week (or the rerun after a
    log of it changed) dropped its 30 leaflets and moved the week's 任务完成率 from 100 %
    to 50 %. A metric added since does not join the week either."""
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 5)
    log(org.am, org.region, MONDAY + datetime.timedelta(days=1), 90, metric=leaflets)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=leaflets, value=60, region=org.region, by=org.rm)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    before = summary(org)
    _retire("leaflets")
    added = Metric.objects.create(code="referrals", name="转介绍", order=99)
    for _ in range(2):  # twice: nothing counted double, nothing said to change
        run = services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="manual")
        assert not run.changed
    after = summary(org)
    assert [m.code for m in after.metrics] == [m.code for m in before.metrics]
    assert added not in after.metrics
    assert row(after, "东").cell(leaflets.pk).actual == 90
    assert row(after, "东").score == row(before, "东").score == Decimal(100)
    assert MetricWeekSnapshot.objects.filter(metric=leaflets, actual=90).count() == 1


def test_a_rebuild_from_nothing_keeps_a_retired_metric_with_counts_in_the_week(org, visits):
    """Metrics QA: rollup_rebuild after 折页 was switched off summarised its weeks without
    it; the live summary of a week not rolled up, and its drill-down, lost it too."""
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 5)
    log(org.am, org.region, MONDAY + datetime.timedelta(days=1), 90, metric=leaflets)
    target(metric=leaflets, value=60, region=org.region, by=org.rm)
    _retire("leaflets")
    live = summary(org)
    assert leaflets in live.metrics
    assert row(live, "东").cell(leaflets.pk).actual == 90
    _rows, total = selectors.member_rows(region=org.region, start=MONDAY, end=SUNDAY, today=TODAY)
    assert total.cell(leaflets.pk).actual == 90
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    closed = summary(org)
    assert closed.from_snapshot
    assert row(closed, "东").cell(leaflets.pk).actual == 90
    assert row(closed, "东").cell(leaflets.pk).target == 60
    # A week after it was switched off, with no counts of it, does not show it.
    later = MONDAY + datetime.timedelta(weeks=1)
    log(org.am, org.region, later, 5)
    services.rollup_branch_week(branch_id=org.branch.pk, week=later)
    assert leaflets not in summary(org, start=later, end=later + datetime.timedelta(days=6)).metrics


def test_a_metric_added_since_does_not_join_a_week_by_a_zero_on_a_corrected_log(org, visits):
    """Metrics QA: 转介绍 added on Wednesday; a log of last week, returned and corrected,
    is saved with 转介绍 0 (the form offers every active metric). The rerun of last week
    must not add a column of zeros to it, nor say its numbers changed."""
    entry = log(org.am, org.region, MONDAY, 5)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    before = [m.code for m in summary(org).metrics]
    added = Metric.objects.create(code="referrals", name="转介绍", order=99)
    MetricValue.objects.create(log=entry, metric=added, value=0)
    run = services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="stale")
    assert not run.changed
    assert [m.code for m in summary(org).metrics] == before
    # Counted in the week, it does join it.
    MetricValue.objects.filter(metric=added).update(value=2)
    run = services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="stale")
    assert run.changed
    assert row(summary(org), "东").cell(added.pk).actual == 2


def test_a_metric_switched_off_in_its_week_is_shown_but_not_weighed(org, visits):
    """Metrics QA: 折页 switched off on Wednesday, with its week target of 60 and 10
    leaflets of Monday. The week's summary shows them, but its 任务完成率 is not dragged
    down by a target nobody could work on after Wednesday: it weighs the others."""
    leaflets = Metric.objects.get(code="leaflets")
    log(org.am, org.region, MONDAY, 10)
    log(org.am, org.region, MONDAY + datetime.timedelta(days=1), 10, metric=leaflets)
    target(metric=visits, value=10, region=org.region, by=org.rm)
    target(metric=leaflets, value=60, region=org.region, by=org.rm)
    _retire("leaflets")
    live = row(summary(org), "东")
    assert live.cell(leaflets.pk).actual == 10 and live.cell(leaflets.pk).target == 60
    assert live.score == Decimal(100)  # 拜访 10 of 10
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    closed = summary(org)
    assert closed.from_snapshot
    assert row(closed, "东").cell(leaflets.pk).actual == 10
    assert row(closed, "东").score == closed.total.score == Decimal(100)
    assert not services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY).changed


@pytest.mark.parametrize(
    ("signed_at", "in_time"), [((23, 58), True), ((0, 3), True), ((0, 6), False)]
)
def test_a_sign_off_tapped_at_2359_that_arrives_after_midnight_is_in_time(
    org, visits, signed_at, in_time
):
    """As a log handed in (activity.services.LATE_GRACE): Friday's log is due for sign-off
    by the end of Monday; a 签批 sent at 23:59 on Monday reached the server on Tuesday."""
    friday = MONDAY + datetime.timedelta(days=4)
    next_monday = MONDAY + datetime.timedelta(days=7)
    hour, minute = signed_at
    day = next_monday if hour == 23 else next_monday + datetime.timedelta(days=1)
    at = _at(day, hour) + datetime.timedelta(minutes=minute)
    _handed_in(log(org.am, org.region, friday, 3), _at(friday, 18), signed_at=at)
    assert row(summary(org), "东").signed_on_time_logs == (1 if in_time else 0)


def test_a_log_corrected_while_the_roll_up_runs_marks_the_week_stale(org, visits, monkeypatch):
    """A large branch's roll-up takes seconds between reading the logs and writing the
    snapshots. A log handed in again in between was missing from the numbers, and the
    snapshots, stamped when written, read as newer than it: never stale, never redone."""
    entry = log(org.am, org.region, MONDAY, 8, status=LogStatus.SUBMITTED)
    load = selectors.LogReads.load

    def load_then_an_edit(**kwargs):
        reads = load(**kwargs)
        MetricValue.objects.filter(log=entry).update(value=11)
        type(entry).objects.filter(pk=entry.pk).update(updated_at=timezone.now())
        return reads

    monkeypatch.setattr(selectors.LogReads, "load", load_then_an_edit)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    monkeypatch.undo()
    result = summary(org)
    assert row(result, "东").cell(visits.pk).actual == 8
    assert row(result, "东").stale
    assert selectors.stale_snapshot_weeks(org.branch.pk) == [MONDAY]


def _hand_in(author, day, at):
    """`author` hands in her log of `day` at `at`, through the service the log page uses."""
    from activity import services as activity

    with time_machine.travel(at, tick=False):
        return activity.daily_log_save(
            author=author, log_date=day, fields={}, counts={}, visits=[], submit=True
        )


def _by_rm(action, entry, at, **kwargs):
    with time_machine.travel(at, tick=False):
        return action(log=entry, actor=entry.region.manager, **kwargs)


def _sign_off_rate(org):
    east = row(summary(org), "东")
    return east.signed_on_time_logs, east.submitted_logs


def test_a_log_returned_in_time_and_signed_off_the_day_it_came_back_is_signed_in_time(org):
    """The RM sent Monday's log back on Tuesday, the AM corrected it a week later and the
    RM signed it off that day: both answers in time. Judged by the first hand-in alone,
    it counted as signed late (0 of 1)."""
    from activity.services import daily_log_return, daily_log_sign_off

    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    _by_rm(daily_log_return, entry, _at(MONDAY + datetime.timedelta(days=1), 10), reason="拜访缺")
    next_monday = MONDAY + datetime.timedelta(days=7)
    entry = _hand_in(org.am, MONDAY, _at(next_monday, 9))
    _by_rm(daily_log_sign_off, entry, _at(next_monday, 17))
    assert _sign_off_rate(org) == (1, 1)


def test_a_log_back_with_its_author_is_not_overdue_for_sign_off(org):
    """Returned in time and not corrected yet: nothing waits on the RM. It read as a log
    past its sign-off deadline (0 of 1) for as long as the AM took."""
    from activity.services import daily_log_return

    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    _by_rm(daily_log_return, entry, _at(MONDAY + datetime.timedelta(days=1), 10), reason="拜访缺")
    assert _sign_off_rate(org) == (0, 0)
    assert row(summary(org), "东").on_time_logs == 1  # handed in on its day, all the same


def test_a_log_returned_late_is_not_signed_in_time_however_fast_the_sign_off(org):
    from activity.services import daily_log_return, daily_log_sign_off

    thursday = MONDAY + datetime.timedelta(days=3)
    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    _by_rm(daily_log_return, entry, _at(thursday, 10), reason="拜访缺")
    entry = _hand_in(org.am, MONDAY, _at(thursday, 12))
    _by_rm(daily_log_sign_off, entry, _at(thursday, 13))
    assert _sign_off_rate(org) == (0, 1)


@pytest.mark.parametrize(
    ("came_back", "overdue"), [(TODAY - datetime.timedelta(days=5), 1), (TODAY, 0)]
)
def test_a_corrected_log_waits_for_sign_off_from_the_day_it_came_back(org, came_back, overdue):
    """Handed in again on a Wednesday and still waiting on the Monday after: overdue. Handed
    in again today: the RM has until tomorrow evening."""
    from activity.services import daily_log_return

    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    _by_rm(daily_log_return, entry, _at(MONDAY + datetime.timedelta(days=1), 10), reason="拜访缺")
    _hand_in(org.am, MONDAY, _at(came_back, 9))
    assert _sign_off_rate(org) == (0, overdue)


def test_a_log_reopened_and_signed_off_again_the_day_it_came_back_is_signed_in_time(org):
    from activity.services import daily_log_reopen, daily_log_sign_off

    tuesday = MONDAY + datetime.timedelta(days=1)
    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    entry = _by_rm(daily_log_sign_off, entry, _at(tuesday, 9))
    entry = _by_rm(
        daily_log_reopen, entry, _at(tuesday + datetime.timedelta(days=7), 9), reason="访客数写错"
    )
    entry = _hand_in(org.am, MONDAY, _at(tuesday + datetime.timedelta(days=8), 9))
    _by_rm(daily_log_sign_off, entry, _at(tuesday + datetime.timedelta(days=8), 11))
    assert _sign_off_rate(org) == (1, 1)


def test_a_sent_back_log_counts_once_beside_the_others_and_in_the_closed_week(org):
    """The correction replaces what the scan counted for the log, nothing more: the other
    logs of the row keep theirs, and the week's snapshot reads the same."""
    from activity.services import daily_log_return, daily_log_sign_off

    tuesday = MONDAY + datetime.timedelta(days=1)
    entry = _hand_in(org.am, MONDAY, _at(MONDAY, 18))
    _by_rm(daily_log_return, entry, _at(tuesday, 10), reason="拜访缺")
    entry = _hand_in(org.am, MONDAY, _at(tuesday, 20))
    _by_rm(daily_log_sign_off, entry, _at(tuesday + datetime.timedelta(days=1), 8))
    other = _hand_in(org.peer_am, MONDAY, _at(MONDAY, 19))
    _by_rm(daily_log_sign_off, other, _at(tuesday + datetime.timedelta(days=3), 8))  # late
    assert _sign_off_rate(org) == (1, 2)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    closed = summary(org)
    assert closed.from_snapshot
    assert (row(closed, "东").signed_on_time_logs, row(closed, "东").submitted_logs) == (1, 2)


def test_a_sent_back_log_without_its_history_is_judged_by_its_sign_off(org, visits):
    """A log returned before the audit trail kept every step (or corrected in the admin)
    has no events: its sign-off time is all there is, as for any other log."""
    tuesday, friday = MONDAY + datetime.timedelta(days=1), MONDAY + datetime.timedelta(days=4)
    for author, signed_on in [(org.am, tuesday), (org.peer_am, friday)]:
        entry = _handed_in(
            log(author, org.region, MONDAY, 3), _at(MONDAY, 18), signed_at=_at(signed_on, 9)
        )
        entry.return_reason = "拜访缺"
        entry.save()
    assert _sign_off_rate(org) == (1, 2)


# --- a region merged away mid-month -------------------------------------------------


@pytest.fixture
def merged_away(org, visits):
    """西 (its own target: 100 visits in November) is merged into 东: 王五 moves on Monday
    16 November and 西 closes on the 15th. 王五 makes 5 visits a working day."""
    from accounts.services import region_close

    Target.objects.create(
        region=org.other_region,
        metric=visits,
        period_kind="month",
        period_start=datetime.date(2026, 11, 1),
        value=100,
        updated_by=org.admin,
    )
    day = datetime.date(2026, 11, 2)
    while day <= datetime.date(2026, 11, 30):
        if day.weekday() < 5:
            moved = day >= datetime.date(2026, 11, 16)
            log(org.outsider_am, org.region if moved else org.other_region, day, 5)
        day += datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime(2026, 11, 16, 1, tzinfo=datetime.UTC)):
        membership_move(
            user=org.outsider_am, region=org.region, start_date=datetime.date(2026, 11, 16)
        )
        region_close(region=org.other_region, closed_on=datetime.date(2026, 11, 15))
    return visits


def test_a_region_merged_away_owes_its_target_for_the_days_it_was_open(org, merged_away):
    """November's summary set its whole month's 100 against the 50 visits of its 10
    working days: 50 %, red, for a region on pace. Now 100 × 10/21 = 48, the sum of its
    two weeks' targets (24 each), as a leaver owes her days only."""
    visits = merged_away
    month = selectors.branch_summary(
        user=org.branch_head,
        branch=org.branch,
        start=datetime.date(2026, 11, 1),
        end=datetime.date(2026, 11, 30),
        today=datetime.date(2026, 12, 2),
    )
    west = row(month, "西").cell(visits.pk)
    assert (west.target, west.actual) == (Decimal("48.00"), 50)
    weeks = [
        row(summary(org, start=monday, end=monday + datetime.timedelta(days=6)), "西")
        for monday in (datetime.date(2026, 11, 2), MONDAY)
    ]
    assert [w.cell(visits.pk).target for w in weeks] == [24, 24]
    # The region's plan page for November reads the same.
    from planning.selectors import region_plan

    west_region = type(org.other_region).objects.get(pk=org.other_region.pk)
    plan = region_plan(
        west_region, "month", datetime.date(2026, 11, 1), today=datetime.date(2026, 12, 2)
    )
    (line,) = [line for line in plan.total.lines if line.metric.pk == visits.pk]
    assert line.target == 48


def test_a_region_closing_mid_week_owes_that_weeks_days_only(org, visits):
    """西 closes on Wednesday 11 November: its week's target (24, derived from November's
    100) counts for three of five days: 14.4, a whole week's target rounded as a member's
    share of one is."""
    from accounts.services import membership_end, region_close

    Target.objects.create(
        region=org.other_region,
        metric=visits,
        period_kind="month",
        period_start=datetime.date(2026, 11, 1),
        value=100,
        updated_by=org.admin,
    )
    membership_end(user=org.outsider_am, end_date=datetime.date(2026, 11, 11))
    with time_machine.travel(datetime.datetime(2026, 11, 20, 1, tzinfo=datetime.UTC)):
        region_close(region=org.other_region, closed_on=datetime.date(2026, 11, 11))
    west = row(summary(org), "西")
    assert west.cell(visits.pk).target == 14


def test_closing_a_region_in_a_rolled_up_week_rolls_it_up_again(
    org, visits, django_capture_on_commit_callbacks
):
    from accounts.services import membership_end, region_close

    Target.objects.create(
        region=org.other_region,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=20,
        updated_by=org.admin,
    )
    membership_end(user=org.outsider_am, end_date=datetime.date(2026, 11, 11))
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    assert row(summary(org), "西").cell(visits.pk).target == 20
    with time_machine.travel(datetime.datetime(2026, 11, 20, 1, tzinfo=datetime.UTC)):
        with django_capture_on_commit_callbacks(execute=True):
            region_close(region=org.other_region, closed_on=datetime.date(2026, 11, 11))
    result = summary(org)
    assert result.from_snapshot
    assert row(result, "西").cell(visits.pk).target == 12


def _agreed_sheet(org, author, month, visits, value):
    from planning import services as planning

    sheet = planning.monthly_sheet_save(
        author=author, month=month, proposed={visits.pk: value}, focus_items="", submit=True
    )
    planning.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: value}, comment="")


def test_a_joiners_goal_sheet_counts_whole_for_her_days(org, visits):
    """QA: 李明 joined 东 on Wednesday 18 November and agreed 18 visits for the rest of
    November with her RM. November has 21 working days, she has 9 of them: her 18 read
    as 8 in the month (and 2 in her first week), so she read 225 % and 东 above plan."""
    from planning import selectors as plan
    from planning.models import PeriodKind

    wednesday = datetime.date(2026, 11, 18)
    week = datetime.date(2026, 11, 16)
    joiner = f.UserFactory(name="李明")
    f.MembershipFactory(user=joiner, region=org.region, start_date=wednesday)
    with time_machine.travel(datetime.datetime(2026, 11, 18, 12, tzinfo=datetime.UTC)):
        _agreed_sheet(org, joiner, NOVEMBER, visits, 18)
    target(metric=visits, value=20, user=org.am, week=week, by=org.rm)
    for day in range(3):  # Wednesday to Friday, 2 a day
        log(joiner, org.region, wednesday + datetime.timedelta(days=day), 2)
    log(org.am, org.region, week, 20)

    # Her 18 over the weeks from hers by their working days: 3, 5 and 1 of her 9 days
    # (6, 10 and 2); her first week is hers from Wednesday, not 3/5 of it again.
    east = row(summary(org, start=week, end=week + datetime.timedelta(days=6)), "东")
    cell = east.cell(visits.pk)
    assert (cell.target, cell.actual) == (Decimal(20 + 6), 26)
    assert cell.completion == Decimal(100)
    # The month: her sheet whole, not 18 × 9/21 = 8.
    month = row(summary(org, start=NOVEMBER, end=datetime.date(2026, 11, 30)), "东")
    assert month.cell(visits.pk).target == Decimal(18)  # 张三 has no month target
    rows, _total = selectors.member_rows(
        region=org.region, start=NOVEMBER, end=datetime.date(2026, 11, 30), today=TODAY
    )
    assert next(r for r in rows if r.label == "李明").cell(visits.pk).target == 18

    # The region's plan page and her own pace panel read the same.
    region_plan = plan.region_plan(org.region, PeriodKind.MONTH, NOVEMBER, today=TODAY)
    line = next(r for r in region_plan.rows if r.member == joiner).sheet.lines
    assert next(x.target for x in line if x.metric == visits) == 18
    assert next(x.target for x in region_plan.total.lines if x.metric == visits) == 18
    weekly = plan.am_sheet(joiner, org.region, PeriodKind.WEEK, week, today=TODAY)
    assert next(x.target for x in weekly.lines if x.metric == visits) == 6
    monthly = plan.am_sheet(joiner, org.region, PeriodKind.MONTH, NOVEMBER, today=TODAY)
    # By 23 November (Monday) her Wednesday to Friday are over: 3 of her 9 days.
    assert next(x.expected for x in monthly.lines if x.metric == visits) == 6


def test_a_movers_month_sheet_is_still_split_between_her_regions_by_days(org, visits):
    """The sheet of someone in a region on the 1st is the month's, even when agreed after
    she moved: 东 and 西 each count her days (10 and 11 of 21)."""
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        membership_move(
            user=org.am, region=org.other_region, start_date=datetime.date(2026, 11, 16)
        )
        _agreed_sheet(org, org.am, NOVEMBER, visits, 42)
    assert Target.objects.get(user=org.am).covers_from is None
    end = datetime.date(2026, 11, 30)
    result = summary(org, start=NOVEMBER, end=end)
    east, west = row(result, "东").cell(visits.pk), row(result, "西").cell(visits.pk)
    assert (east.target, west.target) == (Decimal(20), Decimal(22))


def test_a_joiners_first_week_borrows_no_target_for_the_days_before_she_joined(org, visits):
    """QA (a new branch): 李明 joined 东 on Wednesday 2 December and agreed 45 visits for
    the rest of December (22 working days from hers). The week of 30 November took her
    3 days of it (6) and, for Monday 30 November, a day of December's rate lent to
    November, which has no target (2 more): she read 75 % in her first week for doing
    exactly her plan, and the new branch's first summary was yellow."""
    from planning import selectors as plan
    from planning.models import PeriodKind

    december, wednesday = datetime.date(2026, 12, 1), datetime.date(2026, 12, 2)
    week = datetime.date(2026, 11, 30)
    joiner = f.UserFactory(name="李明")
    f.MembershipFactory(user=joiner, region=org.region, start_date=wednesday)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)):
        _agreed_sheet(org, joiner, december, visits, 45)
    for day in range(3):  # Wednesday to Friday, 2 a day
        log(joiner, org.region, wednesday + datetime.timedelta(days=day), 2)

    # 45 over her 22 days by week: 3 of them in the week of 30 November.
    cell = row(summary(org, start=week, end=week + datetime.timedelta(days=6)), "东")
    assert (cell.cell(visits.pk).target, cell.cell(visits.pk).actual) == (Decimal(6), 6)
    assert cell.cell(visits.pk).completion == Decimal(100)
    weekly = plan.am_sheet(joiner, org.region, PeriodKind.WEEK, week, today=TODAY)
    assert next(x.target for x in weekly.lines if x.metric == visits) == 6


def test_a_region_opened_mid_week_owes_that_weeks_days_only(org, visits):
    """QA (a new branch): the staff import created 西 on Wednesday 2 December and the
    admin's target import gave it 200 leaflets for the week of 30 November. Its people
    counted for 3/5 of that week but its own target whole: a region that opened on
    Wednesday read 60 % of plan for a week on pace. The mirror of a region closing."""
    from planning.selectors import region_plan

    week, wednesday = datetime.date(2026, 11, 30), datetime.date(2026, 12, 2)
    type(org.other_region).objects.filter(pk=org.other_region.pk).update(created_on=wednesday)
    target(metric=visits, value=200, region=org.other_region, week=week, by=org.admin)
    sunday = week + datetime.timedelta(days=6)
    west = row(summary(org, start=week, end=sunday), "西")
    assert west.cell(visits.pk).target == 120
    # Its plan page for the week reads the same.
    west_region = type(org.other_region).objects.get(pk=org.other_region.pk)
    plan = region_plan(west_region, "week", week, today=datetime.date(2026, 12, 7))
    (line,) = [line for line in plan.total.lines if line.metric.pk == visits.pk]
    assert line.target == 120
