import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import Branch
from planning import periods
from reports import tasks
from reports.models import RollupTrigger


class Command(BaseCommand):
    help = "Recompute the weekly snapshots of the last N closed weeks, one task per branch."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=53, help="closed weeks to rebuild")
        parser.add_argument("--branch", type=int, help="only this branch id")
        parser.add_argument(
            "--per-task",
            type=int,
            default=10,
            help="branches per task: they share one read of the logs (default 10)",
        )
        parser.add_argument("--now", action="store_true", help="run here instead of on the worker")

    def handle(self, *args, weeks: int, branch: int | None, per_task: int, now: bool, **options):
        last = periods.week_start(timezone.localdate()) - datetime.timedelta(weeks=1)
        week_list = [(last - datetime.timedelta(weeks=i)).isoformat() for i in range(weeks)]
        branches = Branch.objects.filter(pk=branch) if branch else Branch.objects.all()
        ids = list(branches.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), per_task):
            chunk = ids[i : i + per_task]
            if now:
                tasks.rollup_branches_weeks(chunk, week_list, RollupTrigger.MANUAL)
            else:
                tasks.rollup_branches_weeks.delay(chunk, week_list, RollupTrigger.MANUAL)
        verb = "Rebuilt" if now else "Queued"
        self.stdout.write(f"{verb} {weeks} weeks for {len(ids)} branch(es).")
