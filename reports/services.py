"""Writes of the reports app: the weekly roll-up (recompute and replace, never increment)."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Branch, Region

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
    """Recompute one branch-week's snapshots from the logs and replace the old ones.

    The branch row is locked for the duration, so two runs of the same branch (a
    retry, a second worker, an admin's button) take turns and the last one simply
    writes the same numbers again.
    """
    branch = Branch.objects.select_for_update().get(pk=branch_id)
    regions = list(Region.objects.filter(branch=branch).order_by("name"))
    rows = selectors.region_rows(
        branch=branch,
        regions=regions,
        start=week,
        end=week + datetime.timedelta(days=6),
        today=timezone.localdate(),
    )
    changed = _replace_snapshots(branch=branch, week=week, rows=rows)
    return RollupRun.objects.create(
        branch=branch,
        week_start=week,
        trigger=trigger,
        requested_by_id=requested_by_id,
        regions=len(rows),
        changed=changed,
    )


def _replace_snapshots(
    *, branch: Branch, week: datetime.date, rows: list[selectors.SummaryRow]
) -> bool:
    """Replace the branch-week's snapshots with `rows`; True when any number changed."""
    before = {
        (s.region_id, m.metric_id): (s.headcount, m.target, m.actual)
        for s in RegionWeekSnapshot.objects.filter(branch=branch, week_start=week).prefetch_related(
            "metrics"
        )
        for m in s.metrics.all()
    }
    RegionWeekSnapshot.objects.filter(branch=branch, week_start=week).delete()
    now = timezone.now()
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
            for row in rows
        ]
    )
    MetricWeekSnapshot.objects.bulk_create(
        [
            MetricWeekSnapshot(
                snapshot=snapshot, metric=cell.metric, target=cell.target, actual=cell.actual
            )
            for snapshot, row in zip(snapshots, rows, strict=True)
            for cell in row.cells
        ]
    )
    after = {
        (row.key, cell.metric.pk): (row.headcount, cell.target, cell.actual)
        for row in rows
        for cell in row.cells
    }
    return before != after
