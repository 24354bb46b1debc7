"""The branch head's summary checked against a computation of its own (plain Python over
the rows), on a branch built for it: a mover, a leaver, a joiner, a region without an
RM, logs of every status, a week across two months, a holiday week with a 调休
Saturday, a week without targets. The page, its Excel file and the closed week's
snapshot must all read what the rows say.
"""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import RegionMembership, Role
from accounts.services import membership_move, user_deactivate
from activity.models import DailyLog, LogStatus, Metric, MetricValue
from planning.calendar import rules_for
from planning.models import Target
from reports import selectors, services
from tests import factories as f

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
D = datetime.date
# Week across the month end and 国庆: Mon 28 Sep – Sun 4 Oct 2026, working 28–30 only.
ACROSS = D(2026, 9, 28)
# The week after: 5–7 Oct off, 8–9 worked, Saturday 10 Oct a 调休 working day.
TIAOXIU = D(2026, 10, 5)
NOW = datetime.datetime(2026, 10, 20, 10, tzinfo=SHANGHAI)  # both weeks closed


def week(monday):
    return monday, monday + datetime.timedelta(days=6)


@pytest.fixture
def branch_data(db):
    # Entered on the Monday after the 调休 week, before any roll-up.
    with time_machine.travel(datetime.datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        return _branch_data()


def _branch_data():
    head = f.UserFactory(role=Role.BRANCH_HEAD, name="负责人")
    branch = f.BranchFactory(head=head)
    rm_east = f.UserFactory(role=Role.REGIONAL_MANAGER, name="东经理")
    rm_west = f.UserFactory(role=Role.REGIONAL_MANAGER, name="西经理")
    east = f.RegionFactory(branch=branch, manager=rm_east, name="东")
    west = f.RegionFactory(branch=branch, manager=rm_west, name="西")
    north = f.RegionFactory(branch=branch, manager=None, name="北")  # no RM
    a = f.member(east, name="甲")
    b = f.member(east, name="乙")  # moves to 西 on Friday 9 Oct
    c = f.member(west, name="丙")  # leaves on Thursday 8 Oct
    d = f.UserFactory(name="丁")  # joins 北 on Friday 9 Oct
    e = f.member(north, name="戊")
    visits = Metric.objects.get(code="visits")
    leaflets = Metric.objects.get(code="leaflets")

    def log(author, region, day, counts, status=LogStatus.SIGNED_OFF):
        entry = f.DailyLogFactory(
            author=author,
            region=region,
            date=day,
            status=status,
            submitted_at=None
            if status == LogStatus.DRAFT
            else datetime.datetime.combine(day, datetime.time(20), SHANGHAI),
            signed_off_by=(region.manager or head) if status == LogStatus.SIGNED_OFF else None,
            signed_off_at=datetime.datetime.combine(day, datetime.time(21), SHANGHAI)
            if status == LogStatus.SIGNED_OFF
            else None,
        )
        for metric, value in counts.items():
            MetricValue.objects.create(log=entry, metric=metric, value=value)
        return entry

    def target(subject, metric, value, monday, kind="week"):
        Target.objects.create(
            user=subject if not hasattr(subject, "branch_id") else None,
            region=subject if hasattr(subject, "branch_id") else None,
            metric=metric,
            period_kind=kind,
            period_start=monday,
            value=value,
            updated_by=head,
        )

    day = TIAOXIU.replace
    # The week across the month end: everybody in place; a draft, a returned log.
    log(a, east, D(2026, 9, 28), {visits: 4, leaflets: 10})
    log(a, east, D(2026, 9, 29), {visits: 5, leaflets: 0}, LogStatus.SUBMITTED)
    log(a, east, D(2026, 9, 30), {visits: 6, leaflets: 3}, LogStatus.RETURNED)
    log(b, east, D(2026, 9, 28), {visits: 2, leaflets: 7})
    log(b, east, D(2026, 9, 30), {visits: 9, leaflets: 1}, LogStatus.DRAFT)
    log(c, west, D(2026, 9, 29), {visits: 3, leaflets: 3})
    log(e, north, D(2026, 10, 2), {visits: 1, leaflets: 1})  # a holiday, handed in
    for who, value in ((a, 10), (b, 7), (c, 5), (e, 3)):
        target(who, visits, value, ACROSS)

    # The 调休 week.
    log(a, east, day(day=8), {visits: 5, leaflets: 2})
    log(a, east, day(day=9), {visits: 4, leaflets: 2}, LogStatus.SUBMITTED)
    log(a, east, day(day=10), {visits: 7, leaflets: 2}, LogStatus.RETURNED)
    log(b, east, day(day=8), {visits: 3, leaflets: 1})
    log(b, east, day(day=9), {visits: 6, leaflets: 1})  # follows b to 西 on the move
    log(b, east, day(day=10), {visits: 9, leaflets: 1}, LogStatus.DRAFT)
    log(c, west, day(day=8), {visits: 2, leaflets: 5})
    log(e, north, day(day=6), {visits: 10, leaflets: 0})  # a day off, handed in
    log(e, north, day(day=8), {visits: 4, leaflets: 4})
    for who, value in ((a, 9), (b, 12), (c, 6), (d, 6), (e, 3)):
        target(who, visits, value, TIAOXIU)
    target(west, leaflets, 11, TIAOXIU)  # a region's own target
    target(north, leaflets, 0, TIAOXIU)  # a zero target

    membership_move(user=b, region=west, start_date=day(day=9))
    RegionMembership.objects.create(user=d, region=north, start_date=day(day=9))
    log(d, north, day(day=9), {visits: 1, leaflets: 0}, LogStatus.SUBMITTED)
    log(d, north, day(day=10), {visits: 2, leaflets: 0}, LogStatus.SUBMITTED)
    user_deactivate(user=c, day=day(day=8))  # handed in Thursday's log: Thursday is hers
    return branch, head, [east, west, north], [visits, leaflets]


# --- the independent computation ---------------------------------------------------------


def half_up(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected(branch, regions, metrics, start, end):
    """{region name: {"headcount", metric code: (target, actual, completion, per head)}}
    from the rows, by the rules DOMAIN.md and the summary's docstring state."""
    rules = rules_for(branch.pk, start, end)
    working = [
        start + datetime.timedelta(days=i)
        for i in range((end - start).days + 1)
        if rules.is_working_day(start + datetime.timedelta(days=i))
    ]
    logs = list(DailyLog.objects.filter(date__range=(start, end)))
    values = list(
        MetricValue.objects.filter(log__in=logs).values_list("log_id", "metric_id", "value")
    )
    by_log = {entry.pk: entry for entry in logs}
    memberships = list(RegionMembership.objects.all())
    targets = list(Target.objects.filter(period_kind="week", period_start=start))
    result = {}
    for region in regions:
        days_in = {}
        for m in memberships:
            if m.region_id != region.pk:
                continue
            n = sum(
                1 for d in working if m.start_date <= d and (m.end_date is None or d <= m.end_date)
            )
            if n:
                days_in[m.user_id] = days_in.get(m.user_id, 0) + n
        headcount = (
            sum(Decimal(n) / len(working) for n in days_in.values()) if working else Decimal(0)
        ).quantize(Decimal("0.01"))
        row = {"headcount": headcount}
        for metric in metrics:
            actual = sum(
                v
                for log_id, metric_id, v in values
                if metric_id == metric.pk
                and by_log[log_id].region_id == region.pk
                and by_log[log_id].status in (LogStatus.SUBMITTED, LogStatus.SIGNED_OFF)
            )
            own = [
                t.value for t in targets if t.region_id == region.pk and t.metric_id == metric.pk
            ]
            if own:
                goal = Decimal(own[0])
            else:
                parts = [
                    half_up(Decimal(t.value) * days_in[t.user_id] / len(working))
                    if days_in[t.user_id] < len(working)
                    else t.value
                    for t in targets
                    if t.user_id in days_in and t.metric_id == metric.pk
                ]
                goal = Decimal(sum(parts)) if parts else None
            rate = Decimal(actual) * 100 / goal if goal else None
            per_head = Decimal(actual) / headcount if headcount else None
            row[metric.code] = (goal, actual, rate, per_head)
        result[region.name] = row
    return result


def figures(summary_rows, metrics):
    return {
        r.label: {"headcount": r.headcount}
        | {
            m.code: (
                r.cell(m.pk).target,
                r.cell(m.pk).actual,
                r.cell(m.pk).completion,
                r.cell(m.pk).per_head,
            )
            for m in metrics
        }
        for r in summary_rows
    }


def close(a, b):
    if a is None or b is None:
        return a is b
    return abs(Decimal(a) - Decimal(b)) < Decimal("0.0001")


def assert_same(got, want):
    for name, row in want.items():
        assert close(got[name]["headcount"], row["headcount"]), (name, got[name], row)
        for key in row.keys() - {"headcount"}:
            target, actual, rate, per_head = row[key]
            g = got[name][key]
            assert close(g[0], target), (name, key, g, row[key])
            assert g[1] == actual, (name, key, g, row[key])
            assert close(g[2], rate), (name, key, g, row[key])
            assert close(g[3], per_head), (name, key, g, row[key])


@pytest.mark.parametrize("monday", [ACROSS, TIAOXIU])
def test_the_live_summary_reads_what_the_rows_say(branch_data, monday):
    branch, head, regions, metrics = branch_data
    start, end = week(monday)
    live = selectors.branch_summary(
        user=head, branch=branch, start=start, end=end, today=NOW.date()
    )
    assert not live.from_snapshot
    assert_same(figures(live.rows, metrics), expected(branch, regions, metrics, start, end))


@pytest.mark.parametrize("monday", [ACROSS, TIAOXIU])
def test_the_closed_weeks_snapshot_reads_what_the_live_page_did(branch_data, monday):
    branch, head, regions, metrics = branch_data
    start, end = week(monday)
    with time_machine.travel(NOW, tick=False):
        services.rollup_branch_week(branch_id=branch.pk, week=monday)
        services.rollup_branch_week(branch_id=branch.pk, week=monday)  # twice: no duplicates
        stored = selectors.branch_summary(user=head, branch=branch, start=start, end=end)
    assert stored.from_snapshot
    assert_same(figures(stored.rows, metrics), expected(branch, regions, metrics, start, end))


@pytest.mark.parametrize("monday", [ACROSS, TIAOXIU])
def test_the_page_and_excel_read_what_the_rows_say(branch_data, client, monday):
    branch, head, regions, metrics = branch_data
    start, end = week(monday)
    want = expected(branch, regions, metrics, start, end)
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            reverse("reports:summary_export"), {"branch": branch.pk, "start": start, "end": end}
        )
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    for name, row in want.items():
        r = rows[name]
        assert close(ws.cell(row=r, column=2).value, row["headcount"]), name
        for i, metric in enumerate(metrics):
            first = 3 + i * 4
            target, actual, rate, per_head = row[metric.code]
            got = [ws.cell(row=r, column=first + j).value for j in range(4)]
            assert got[0] == ("—" if target is None else float(round(target, 1))), (name, got)
            assert got[1] == actual, (name, got)
            assert got[2] == ("—" if rate is None else pytest.approx(float(rate / 100))), (
                name,
                metric.code,
                got,
            )
            assert got[3] == ("—" if per_head is None else pytest.approx(float(per_head))), (
                name,
                got,
            )


def test_a_returned_log_corrected_after_the_roll_up_reaches_the_closed_week(branch_data):
    """The RM reopens Monday's signed-off log of a rolled-up week, the AM corrects and
    hands it in again: the week is stale, Monday's beat rolls it up again, and its
    snapshot reads the corrected count, as the rows do."""
    from activity.services import daily_log_reopen, daily_log_save
    from reports.models import RegionWeekSnapshot, RollupRun
    from reports.tasks import rollup_closed_weeks

    branch, head, regions, metrics = branch_data
    start, end = week(TIAOXIU)
    east = regions[0]
    with time_machine.travel(NOW, tick=False):
        services.rollup_branch_week(branch_id=branch.pk, week=TIAOXIU)
    entry = DailyLog.objects.get(region=east, date=D(2026, 10, 8), author__name="甲")
    later = NOW + datetime.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        daily_log_reopen(log=entry, actor=east.manager, reason="拜访数不对")
        daily_log_save(
            author=entry.author,
            log_date=entry.date,
            fields={},
            counts={metrics[0].pk: 15, metrics[1].pk: 2},
            visits=[],
            submit=True,
        )
        stale = selectors.branch_summary(user=head, branch=branch, start=start, end=end)
    assert stale.from_snapshot and [r.label for r in stale.rows if r.stale] == ["东"]
    # Monday's beat (tasks run eagerly in tests) takes the stale week with last week.
    with time_machine.travel(datetime.datetime(2026, 10, 26, 1, tzinfo=SHANGHAI), tick=False):
        rollup_closed_weeks()
        rolled = selectors.branch_summary(user=head, branch=branch, start=start, end=end)
    assert rolled.from_snapshot and not rolled.stale
    want = expected(branch, regions, metrics, start, end)
    assert want["东"]["visits"][1] == 12 - 5 + 15
    assert_same(figures(rolled.rows, metrics), want)
    assert RegionWeekSnapshot.objects.filter(week_start=TIAOXIU).count() == 3
    assert RollupRun.objects.filter(week_start=TIAOXIU, trigger="stale").count() == 1


def test_a_target_of_part_of_a_week_reads_the_same_on_the_page_and_in_excel(db, client):
    """Monday of the week of 中秋 (Friday 25 September off: four working days): a week
    target of 9 is 2.25 for the Monday. The page rounds it half up (2.3), as it does
    every figure; the Excel file rounded it half to even (2.2)."""
    import re

    head = f.UserFactory(role=Role.BRANCH_HEAD, name="负责人")
    branch = f.BranchFactory(head=head)
    region = f.RegionFactory(branch=branch, name="东")
    am = f.member(region, name="甲")
    visits = Metric.objects.get(code="visits")
    monday = D(2026, 9, 21)
    Target.objects.create(
        user=am, metric=visits, period_kind="week", period_start=monday, value=9, updated_by=head
    )
    client.force_login(head)
    query = {"branch": branch.pk, "start": monday, "end": monday}
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("reports:summary"), query).content.decode()
        ws = load_workbook(
            io.BytesIO(client.get(reverse("reports:summary_export"), query).content)
        ).active
    row_html = html[html.index(">东<") : html.index("</tr>", html.index(">东<"))]
    assert re.findall(r"<td>([^<]*)</td>", row_html)[1] == "2.3"
    assert ws.cell(row=4, column=1).value == "东"
    assert ws.cell(row=4, column=3).value == 2.3


def test_the_drill_down_reads_each_account_managers_days_in_the_region(branch_data):
    branch, head, regions, metrics = branch_data
    east, west, north = regions
    visits = metrics[0]
    start, end = week(TIAOXIU)
    want = expected(branch, regions, metrics, start, end)
    for region, people in (
        # name: (headcount, target, actual) for the days each was in the region
        (east, {"甲": ("1.00", 9, 9), "乙": ("0.33", 4, 3)}),
        (west, {"乙": ("0.67", 8, 6), "丙": ("0.33", 2, 2)}),
        (north, {"丁": ("0.67", 4, 3), "戊": ("1.00", 3, 14)}),
    ):
        rows, total = selectors.member_rows(region=region, start=start, end=end, today=NOW.date())
        got = {
            r.label: (str(r.headcount), r.cell(visits.pk).target, r.cell(visits.pk).actual)
            for r in rows
        }
        assert got == people, region.name
        # One AM's 人均 is their own actual, whatever part of a head they are.
        assert all(r.cell(visits.pk).per_head == r.cell(visits.pk).actual for r in rows)
        region_target, region_actual, _rate, region_per_head = want[region.name]["visits"]
        assert total.headcount == want[region.name]["headcount"]
        assert (total.cell(visits.pk).target, total.cell(visits.pk).actual) == (
            region_target,
            region_actual,
        )
        assert close(total.cell(visits.pk).per_head, region_per_head)


@pytest.mark.parametrize("monday", [ACROSS, TIAOXIU])
def test_derived_targets_of_movers_read_the_same_in_the_snapshot_as_live(branch_data, monday):
    """Month targets only (September's and October's), split over the weeks: the roll-up,
    which reads the logs week by week, agrees with the live page cell by cell."""
    branch, head, regions, _metrics = branch_data
    phones = Metric.objects.get(code="phone_numbers")
    for name, september, october in (("甲", 40, 33), ("乙", 22, 17), ("丁", 0, 19), ("戊", 9, 11)):
        person = f.UserFactory._meta.model.objects.get(name=name)
        for month, value in ((D(2026, 9, 1), september), (D(2026, 10, 1), october)):
            Target.objects.create(
                user=person,
                metric=phones,
                period_kind="month",
                period_start=month,
                value=value,
                updated_by=head,
            )
    start, end = week(monday)
    live = selectors.region_rows(
        branch=branch, regions=regions, start=start, end=end, today=NOW.date()
    )
    with time_machine.travel(NOW, tick=False):
        services.rollup_branch_week(branch_id=branch.pk, week=monday)
        stored = selectors.branch_summary(user=head, branch=branch, start=start, end=end)
    assert stored.from_snapshot
    by_name = {r.label: r for r in stored.rows}
    for row in live:
        cell, kept = row.cell(phones.pk), by_name[row.label].cell(phones.pk)
        assert (kept.target, kept.actual, kept.completion) == (
            cell.target,
            cell.actual,
            cell.completion,
        ), row.label
    assert any(r.cell(phones.pk).target for r in live)
