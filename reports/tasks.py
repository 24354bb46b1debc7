"""Celery tasks of the weekly roll-up: one bounded task per branch and week."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from accounts.models import Branch, Region
from planning import periods

from . import selectors, services
from .models import RegionWeekSnapshot, RollupTrigger


@shared_task(name="reports.rollup_closed_weeks")
def rollup_closed_weeks() -> int:
    """Beat, daily at 01:00: per branch, roll up the week that just closed (on Monday, or
    later if that run was missed), and any week whose logs changed since its roll-up.

    Daily, not weekly: Friday's logs are signed off on Monday, after the Monday run, and a
    log corrected on Tuesday waited six days; meanwhile the branch head read each closed
    week marked stale, its 签批及时率 without Friday, for the whole of the next week."""
    today = timezone.localdate()
    last_week = periods.week_start(today) - datetime.timedelta(weeks=1)
    # Missed: a branch with a region open last week and no snapshot of it.
    missed = set(
        Region.objects.open_during(last_week, last_week + datetime.timedelta(days=6))
        .exclude(
            branch_id__in=RegionWeekSnapshot.objects.filter(week_start=last_week).values(
                "branch_id"
            )
        )
        .values_list("branch_id", flat=True)
    )
    queued = 0
    for branch_id in Branch.objects.values_list("pk", flat=True):
        scheduled = today.weekday() == 0 or branch_id in missed
        if scheduled:
            rollup_branch_week.delay(branch_id, last_week.isoformat(), RollupTrigger.SCHEDULE)
            queued += 1
        for week in selectors.stale_snapshot_weeks(branch_id):
            if week != last_week or not scheduled:
                rollup_branch_week.delay(branch_id, week.isoformat(), RollupTrigger.STALE)
                queued += 1
    return queued


@shared_task(
    name="reports.rollup_branch_week",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def rollup_branch_week(
    branch_id: int, week: str, trigger: str = RollupTrigger.SCHEDULE, user_id: int | None = None
) -> int:
    run = services.rollup_branch_week(
        branch_id=branch_id,
        week=datetime.date.fromisoformat(week),
        trigger=trigger,
        requested_by_id=user_id,
    )
    return run.pk


@shared_task(
    name="reports.rollup_branches_weeks",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def rollup_branch_weeks(
    branch_id: int, weeks: list[str], trigger: str = RollupTrigger.MANUAL
) -> int:
    """Rebuild many weeks of one branch in one pass (e.g. after a bulk correction)."""
    runs = services.rollup_branch_weeks(
        branch_id=branch_id,
        weeks=[datetime.date.fromisoformat(week) for week in weeks],
        trigger=trigger,
    )
    return len(runs)
