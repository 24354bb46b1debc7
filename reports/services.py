"""Writes of the reports app: the weekly roll-up (recompute and replace, never increment)."""

import copy
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Branch, Region, RegionMembership
from activity.models import Metric

from . import selectors
from .models import MetricWeekSnapshot, RegionWeekSnapshot, RollupRun, RollupTrigger


@transaction.atomic
def rollup_branch_week(
    *,
    branch_id: int,
    week: datetime.date,
    trigger: str = RollupTrigger.SCHEDULE,
    requested_by_id: int | None = None,
) -> RollupRun:
    """Recompute one branch-week's snapshots from the logs and replace the old ones."""
    return rollup_branch_weeks(
        branch_id=branch_id, weeks=[week], trigger=trigger, requested_by_id=requested_by_id
    )[0]


@transaction.atomic
def rollup_branch_weeks(
    *,
    branch_id: int,
    weeks: list[datetime.date],
    trigger: str = RollupTrigger.SCHEDULE,
    requested_by_id: int | None = None,
) -> list[RollupRun]:
    """Recompute and replace several weeks of one branch in one pass over its logs."""
    return rollup_branches_weeks(
        branch_ids=[branch_id], weeks=weeks, trigger=trigger, requested_by_id=requested_by_id
    )


@transaction.atomic
def rollup_branches_weeks(
    *,
    branch_ids: list[int],
    weeks: list[datetime.date],
    trigger: str = RollupTrigger.SCHEDULE,
    requested_by_id: int | None = None,
) -> list[RollupRun]:
    """Recompute and replace these weeks of these branches, reading the logs once.

    The branch rows are locked for the duration, so two runs of the same branch (a
    retry, a second worker, an admin's button) take turns and the later one simply
    writes the same numbers again.
    """
    if not weeks:
        return []
    branches = list(Branch.objects.select_for_update().filter(pk__in=branch_ids).order_by("pk"))
    # The snapshots are as of now, before the logs are read: a log changed while the
    # roll-up runs (seconds for a large branch) is newer than them, so the week reads
    # stale and is redone. Stamped when written, they hid that change for good.
    read_at = timezone.now()
    weeks = sorted(set(weeks))
    periods_ = [(week, week + datetime.timedelta(days=6)) for week in weeks]
    regions = defaultdict(list)
    # Regions closed before the first week are not read at all.
    for region in (
        Region.objects.filter(branch__in=branches)
        .open_during(periods_[0][0], periods_[-1][1])
        .order_by("name")
    ):
        regions[region.branch_id].append(region)
    all_metrics = list(Metric.objects.order_by("order", "pk"))
    today = timezone.localdate()
    reads = selectors.LogReads.load(
        by="region",
        branch_regions={b.pk: [r.pk for r in regions[b.pk]] for b in branches},
        author_ids=None,
        first=periods_[0][0],
        last=periods_[-1][1],
        today=today,
        weekly=True,
    )
    runs = []
    for branch in branches:
        kept = _metrics_by_week(
            branch=branch,
            region_ids=[r.pk for r in regions[branch.pk]],
            weeks=weeks,
            metrics=all_metrics,
            counted=reads.daily,
        )
        metrics = [m for m in all_metrics if any(m.pk in ids for ids in kept.values())]
        rows_per_week = selectors.region_rows_for_weeks(
            branch=branch,
            regions=regions[branch.pk],
            periods_=periods_,
            today=today,
            metrics=metrics,
            reads=reads,
        )
        # A region created after a week, or closed before it, has no row in it (nor a
        # 'changed' run); the weeks it worked in keep theirs.
        region_by_id = {r.pk: r for r in regions[branch.pk]}
        rows_by_week = {
            week: [
                _with_metrics(row, kept[week])
                for row in rows
                if region_by_id[row.key].open_during(week, week + datetime.timedelta(days=6))
            ]
            for week, rows in zip(weeks, rows_per_week, strict=True)
        }
        changed, first = _replace_snapshots(
            branch=branch, rows_by_week=rows_by_week, computed_at=read_at
        )
        runs += [
            RollupRun(
                branch=branch,
                week_start=week,
                trigger=trigger,
                requested_by_id=requested_by_id,
                regions=len(rows_by_week[week]),
                # A first roll-up has no earlier numbers to differ from.
                changed=week in changed and week not in first,
            )
            for week in weeks
        ]
    return RollupRun.objects.bulk_create(runs)


def _metrics_by_week(
    *, branch: Branch, region_ids: list[int], weeks, metrics, counted: dict
) -> dict[datetime.date, dict[int, Decimal | None]]:
    """The metric ids each week of the branch is summarised with: those it was summarised
    with before (else today's active ones), and any its counted logs carry, switched off
    since or not; for those switched off, the weight to summarise them with (None: as
    they are). Metrics QA: a recompute after 折页 was switched off dropped the
    leaflets the week had recorded, and moved its 任务完成率; a metric added since has
    nothing in the week and does not join it as a column of zeros."""
    stored = defaultdict(dict)  # week → {metric id: its weight then}
    for week, metric_id, weight in (
        MetricWeekSnapshot.objects.filter(snapshot__branch=branch, snapshot__week_start__in=weeks)
        .values_list("snapshot__week_start", "metric_id", "weight")
        .distinct()
    ):
        stored[week][metric_id] = weight
    active = {m.pk for m in metrics if m.is_active}
    regions = set(region_ids)
    in_logs = defaultdict(set)
    # The weekly reads: (region, Monday, metric) → sum. A switched-off metric the logs
    # carry joins with its zeros (the week recorded it); an active one the week
    # did not have joins only when counted: a corrected old log saves 0 for every metric
    # its form offers, one added since too.
    for (region_id, week, metric_id), total in counted.items():
        if region_id in regions and (total or metric_id not in active):
            in_logs[week].add(metric_id)
    kept = {}
    for week in weeks:
        kept[week] = dict.fromkeys(set(stored[week]) if week in stored else active)
        for metric_id in in_logs[week]:
            kept[week].setdefault(metric_id)
        # One switched off keeps the weight the week was summarised with (today's is
        # not its), else weighs nothing (`planning.selectors.unweighted`).
        for metric_id in kept[week].keys() - active:
            if metric_id not in stored[week]:
                kept[week][metric_id] = Decimal(0)
            elif stored[week][metric_id] is not None:  # None: an older snapshot, its own
                kept[week][metric_id] = stored[week][metric_id]
    return kept


def _with_metrics(row: selectors.SummaryRow, kept: dict) -> selectors.SummaryRow:
    """The row's cells of the metrics kept, switched-off ones with their weight."""
    cells = []
    for cell in row.cells:
        if cell.metric.pk not in kept:
            continue
        if kept[cell.metric.pk] is not None:
            cell = copy.copy(cell)
            cell.metric = copy.copy(cell.metric)
            cell.metric.weight = kept[cell.metric.pk]
        cells.append(cell)
    row.cells = cells
    return row


def snapshots_logs_left(*, region_days) -> int:
    """Logs of these (region id, day) pairs were just filed under another region (their
    author moved, entered late): flag those weeks' snapshots of the regions they left
    as out of date. The logs now count in their new region, whose snapshot sees them
    changed; the old region's has nothing of its own that changed, and in another branch
    (whose roll-up does not recompute the old one) it would keep counting them (QA)."""
    from planning import periods

    weeks = defaultdict(set)
    for region_id, day in region_days:
        weeks[region_id].add(periods.week_start(day))
    flagged = 0
    now = timezone.now()
    for region_id, starts in weeks.items():
        flagged += RegionWeekSnapshot.objects.filter(
            region_id=region_id, week_start__in=starts
        ).update(logs_left_at=now)
    return flagged


def rollup_after_calendar_change(*, branch_ids, first: datetime.date, last: datetime.date) -> int:
    """Roll up again, once the change is committed, the weeks of these branches that were
    rolled up with [first, last] as they were: a day off entered after its week closed
    (the branch's 31 December, entered on 4 January) left the week's snapshot counting the
    day as a working day, its logs missing and its targets whole, with nothing marked stale (only
    log changes were). Returns the number of branch-weeks queued."""
    from . import tasks

    weeks = selectors.rolled_up_weeks(branch_ids=branch_ids, first=first, last=last)
    for branch_id, branch_weeks in weeks.items():
        isoweeks = [week.isoformat() for week in branch_weeks]
        transaction.on_commit(
            lambda b=branch_id, w=isoweeks: tasks.rollup_branch_weeks.delay(
                b, w, RollupTrigger.CALENDAR
            ),
            robust=True,
        )
    return sum(len(w) for w in weeks.values())


def rollup_after_target_change(*, targets) -> int:
    """Roll up again, once the change is committed, the rolled-up weeks these changed
    targets count in: a week's own, and for a month's every week that overlaps it (its
    derived week targets split the month). Targets of other periods do not reach the
    summary. A goal sheet agreed on the 20th, or a closed week's target corrected with a
    reason, left the closed weeks' snapshots on "—" or the old target, with nothing marked
    stale, while their drill-down and the month's summary read the new one (QA).
    One task per branch, however many targets changed. Returns the branch-weeks queued."""
    from planning import periods
    from planning.models import PeriodKind

    spans = defaultdict(set)  # branch id → {(first, last)}
    targets = [t for t in targets if t.period_kind in (PeriodKind.WEEK, PeriodKind.MONTH)]
    # Two queries however many targets: the target import changes thousands at once.
    region_branch = dict(
        Region.objects.filter(
            pk__in={t.region_id for t in targets if t.region_id is not None}
        ).values_list("pk", "branch_id")
    )
    user_branches = defaultdict(list)
    for user_id, *membership in RegionMembership.objects.filter(
        user_id__in={t.user_id for t in targets if t.user_id is not None}
    ).values_list("user_id", "region__branch_id", "start_date", "end_date"):
        user_branches[user_id].append(membership)
    for target in targets:
        first = target.period_start
        last = periods.period_end(target.period_kind, first)
        if target.region_id is not None:
            branch_ids = [region_branch[target.region_id]]
        else:  # the branches of the regions the AM was in at the time
            branch_ids = {
                branch_id
                for branch_id, joined, left in user_branches[target.user_id]
                if joined <= last and (left is None or left >= first)
            }
        for branch_id in branch_ids:
            spans[branch_id].add((first, last))
    return _rollup_spans(spans, RollupTrigger.TARGETS)


def rollup_after_membership_change(*, spans) -> int:
    """Roll up again, once the change is committed, the rolled-up weeks of these
    (region id, first day, last day or None for up to today) spans: memberships entered
    or corrected after their week (a leaver's last day, a joiner's first, entered in
    the admin a week later). Their logs, if any, move with them and mark the weeks stale;
    without logs nothing did, and the closed weeks kept the old headcount, targets and
    missing logs while their drill-down read the new ones (QA)."""
    today = timezone.localdate()
    branch_of = dict(
        Region.objects.filter(pk__in={region_id for region_id, *_ in spans}).values_list(
            "pk", "branch_id"
        )
    )
    by_branch = defaultdict(set)
    for region_id, first, last in spans:
        last = today if last is None else min(last, today)
        if first <= last:
            by_branch[branch_of[region_id]].add((first, last))
    return _rollup_spans(by_branch, RollupTrigger.STAFF)


def _rollup_spans(spans: dict[int, set], trigger: str) -> int:
    """Queue, once the transaction commits, one roll-up per branch of its rolled-up weeks
    that overlap any of its (first, last) spans. Returns the branch-weeks queued."""
    from . import tasks

    if not spans:
        return 0
    week = datetime.timedelta(days=6)
    rolled_up = selectors.rolled_up_weeks(
        branch_ids=list(spans),
        first=min(first for branch in spans.values() for first, _ in branch),
        last=max(last for branch in spans.values() for _, last in branch),
    )
    queued = 0
    for branch_id, branch_spans in spans.items():
        weeks = [
            monday
            for monday in rolled_up.get(branch_id, [])
            if any(monday <= last and monday + week >= first for first, last in branch_spans)
        ]
        if not weeks:
            continue
        isoweeks = [monday.isoformat() for monday in weeks]
        transaction.on_commit(
            lambda b=branch_id, w=isoweeks: tasks.rollup_branch_weeks.delay(b, w, trigger),
            robust=True,
        )
        queued += len(isoweeks)
    return queued


def _replace_snapshots(
    *,
    branch: Branch,
    rows_by_week: dict[datetime.date, list[selectors.SummaryRow]],
    computed_at: datetime.datetime,
) -> tuple[set[datetime.date], set[datetime.date]]:
    """Replace the snapshots of these weeks; return the weeks whose numbers changed, and
    those of them that had no snapshots before.

    A week whose recomputed numbers equal the stored ones keeps its rows and only gets
    the new computed_at: the result is the same as replacing them, without rewriting
    thousands of identical rows on every rebuild."""
    weeks = list(rows_by_week)
    stored = _stored_numbers(branch, weeks)
    changed = {week for week, rows in rows_by_week.items() if _numbers(rows) != stored[week]}
    first = {week for week in changed if not stored[week]}
    now = computed_at
    RegionWeekSnapshot.objects.filter(
        branch=branch, week_start__in=[w for w in weeks if w not in changed]
    ).update(computed_at=now)
    if not changed:
        return changed, first
    old = RegionWeekSnapshot.objects.filter(branch=branch, week_start__in=changed)
    MetricWeekSnapshot.objects.filter(snapshot__in=old).delete()
    old.delete()

    ops = connection.ops
    _insert_rows(
        RegionWeekSnapshot,
        ["branch_id", "region_id", "week_start", "headcount", "expected_logs"]
        + ["submitted_logs", "on_time_logs", "signed_on_time_logs", "cap", "computed_at"]
        + ["people", "target_people"],
        [
            (branch.pk, row.key, ops.adapt_datefield_value(week), row.headcount, row.expected_logs)
            + (row.submitted_logs, row.on_time_logs, row.signed_on_time_logs, row.cap)
            + (ops.adapt_datetimefield_value(now), row.people, row.target_people)
            for week in changed
            for row in rows_by_week[week]
        ],
    )
    snapshot_ids = {
        (region_id, week): pk
        for pk, region_id, week in RegionWeekSnapshot.objects.filter(
            branch=branch, week_start__in=changed
        ).values_list("pk", "region_id", "week_start")
    }
    _insert_rows(
        MetricWeekSnapshot,
        ["snapshot_id", "metric_id", "target", "actual", "weight", "covered_actual"],
        [
            (
                snapshot_ids[(row.key, week)],
                cell.metric.pk,
                cell.target,
                cell.actual,
                cell.metric.weight,
                cell.covered_actual,
            )
            for week in changed
            for row in rows_by_week[week]
            for cell in row.cells
        ],
    )
    return changed, first


def _numbers(rows: list[selectors.SummaryRow]) -> dict:
    """What a week's snapshots store, in a form that compares equal when nothing changed."""
    numbers = {}
    for row in rows:
        numbers[row.key] = (
            row.headcount,
            row.expected_logs,
            row.submitted_logs,
            row.on_time_logs,
            row.signed_on_time_logs,
            row.cap,
            row.people,
            row.target_people,
        )
        for cell in row.cells:
            numbers[(row.key, cell.metric.pk)] = (
                cell.target,
                cell.actual,
                cell.metric.weight,
                cell.covered_actual,
            )
    return numbers


def _stored_numbers(branch: Branch, weeks: list[datetime.date]) -> dict[datetime.date, dict]:
    stored = defaultdict(dict)
    snapshots = RegionWeekSnapshot.objects.filter(branch=branch, week_start__in=weeks)
    for week, region_id, *numbers in snapshots.values_list(
        "week_start",
        "region_id",
        "headcount",
        "expected_logs",
        "submitted_logs",
        "on_time_logs",
        "signed_on_time_logs",
        "cap",
        "people",
        "target_people",
    ):
        stored[week][region_id] = tuple(numbers)
    if not stored:  # a first roll-up of these weeks
        return stored
    for week, region_id, metric_id, *numbers in MetricWeekSnapshot.objects.filter(
        snapshot__in=snapshots
    ).values_list(
        "snapshot__week_start",
        "snapshot__region_id",
        "metric_id",
        "target",
        "actual",
        "weight",
        "covered_actual",
    ):
        stored[week][(region_id, metric_id)] = tuple(numbers)
    return stored


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT plain tuples in a few multi-row statements.

    A full rebuild writes ~15,000 metric rows per 4 branches; bulk_create spent more
    time building and preparing model instances than the database spent storing them.
    Values must already be in database form (dates and datetimes adapted by the caller;
    Decimal and None pass through both drivers).
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    fields = [model._meta.get_field(c.removesuffix("_id")) for c in columns]
    batch = connection.ops.bulk_batch_size(fields, rows)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {placeholders}",  # noqa: S608 (names from the model)
                [value for row in chunk for value in row],
            )
