"""Writes of the reports app: the weekly roll-up (recompute and replace, never increment)."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts.models import Branch, Region
from activity.selectors import active_metrics

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
    branches = list(Branch.objects.select_for_update().filter(pk__in=branch_ids).order_by("pk"))
    regions = defaultdict(list)
    for region in Region.objects.filter(branch__in=branches).order_by("name"):
        regions[region.branch_id].append(region)
    weeks = sorted(set(weeks))
    periods_ = [(week, week + datetime.timedelta(days=6)) for week in weeks]
    metrics = active_metrics()
    reads = selectors.LogReads.load(
        by="region",
        region_ids=[r.pk for rs in regions.values() for r in rs],
        author_ids=None,
        first=periods_[0][0],
        last=periods_[-1][1],
        metrics=metrics,
        weekly=True,
    )
    runs = []
    for branch in branches:
        rows_per_week = selectors.region_rows_for_weeks(
            branch=branch,
            regions=regions[branch.pk],
            periods_=periods_,
            today=timezone.localdate(),
            metrics=metrics,
            reads=reads,
        )
        changed = _replace_snapshots(
            branch=branch, rows_by_week=dict(zip(weeks, rows_per_week, strict=True))
        )
        runs += [
            RollupRun(
                branch=branch,
                week_start=week,
                trigger=trigger,
                requested_by_id=requested_by_id,
                regions=len(regions[branch.pk]),
                changed=week in changed,
            )
            for week in weeks
        ]
    return RollupRun.objects.bulk_create(runs)


def _replace_snapshots(
    *, branch: Branch, rows_by_week: dict[datetime.date, list[selectors.SummaryRow]]
) -> set[datetime.date]:
    """Replace the snapshots of these weeks; return the weeks whose numbers changed."""
    weeks = list(rows_by_week)
    old = RegionWeekSnapshot.objects.filter(branch=branch, week_start__in=weeks)
    before = defaultdict(dict)
    for week, region_id, headcount, metric_id, target, actual in MetricWeekSnapshot.objects.filter(
        snapshot__in=old
    ).values_list(
        "snapshot__week_start",
        "snapshot__region_id",
        "snapshot__headcount",
        "metric_id",
        "target",
        "actual",
    ):
        before[week][(region_id, metric_id)] = (headcount, target, actual)
    old.delete()
    now = timezone.now()
    pairs = [(week, row) for week, rows in rows_by_week.items() for row in rows]
    snapshots = RegionWeekSnapshot.objects.bulk_create(
        [
            RegionWeekSnapshot(
                branch=branch,
                region_id=row.key,
                week_start=week,
                headcount=row.headcount,
                expected_logs=row.expected_logs,
                submitted_logs=row.submitted_logs,
                on_time_logs=row.on_time_logs,
                signed_on_time_logs=row.signed_on_time_logs,
                computed_at=now,
            )
            for week, row in pairs
        ],
        batch_size=2000,
    )
    MetricWeekSnapshot.objects.bulk_create(
        [
            MetricWeekSnapshot(
                snapshot=snapshot, metric=cell.metric, target=cell.target, actual=cell.actual
            )
            for snapshot, (_week, row) in zip(snapshots, pairs, strict=True)
            for cell in row.cells
        ],
        batch_size=5000,
    )
    changed = set()
    for week, rows in rows_by_week.items():
        after = {
            (row.key, cell.metric.pk): (row.headcount, cell.target, cell.actual)
            for row in rows
            for cell in row.cells
        }
        if after != before.get(week, {}):
            changed.add(week)
    return changed
