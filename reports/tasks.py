"""Celery tasks of the weekly roll-up: one bounded task per branch and week."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from accounts.models import Branch
from planning import periods

from . import selectors, services
from .models import RollupTrigger


@shared_task(name="reports.rollup_closed_weeks")
def rollup_closed_weeks() -> int:
    """Beat, Monday 01:00: roll up the week that just closed, and any stale week, per branch."""
    last_week = periods.week_start(timezone.localdate()) - datetime.timedelta(weeks=1)
    queued = 0
    for branch_id in Branch.objects.values_list("pk", flat=True):
        rollup_branch_week.delay(branch_id, last_week.isoformat(), RollupTrigger.SCHEDULE)
        queued += 1
        for week in selectors.stale_snapshot_weeks(branch_id):
            if week != last_week:
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
