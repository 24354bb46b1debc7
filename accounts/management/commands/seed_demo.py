import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import demo as org_demo
from accounts.models import Branch
from activity import demo as activity_demo
from planning import demo as planning_demo
from reports import demo as reports_demo


class Command(BaseCommand):
    help = "Build the demo branch (org, staff, 8 weeks of logs) unless it exists; print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--ams", type=int, default=40, help="number of account managers")
        parser.add_argument("--weeks", type=int, default=8, help="weeks of log history")

    def handle(self, *args, ams: int, weeks: int, **options):
        branch = Branch.objects.filter(name=org_demo.BRANCH_NAME).first()
        if branch is None:
            today = timezone.localdate()
            with transaction.atomic():
                org = org_demo.build_org(
                    am_count=ams, start=today - datetime.timedelta(weeks=weeks + 1)
                )
                count = activity_demo.build_logs(org=org, today=today, weeks=weeks)
                planning_demo.build_plans(org=org, today=today, weeks=weeks)
                reports_demo.build_rollups(org=org, today=today, weeks=weeks)
            self.stdout.write(
                self.style.SUCCESS(f"Demo branch built: {ams} account managers, {count} logs.")
            )
            logins = org.logins
        else:
            self.stdout.write("Demo branch already there; leaving it as it is.")
            logins = org_demo.demo_logins(branch)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {org_demo.DEMO_PASSWORD}):")
        for role, employee_no, name in logins:
            self.stdout.write(f"  {role:<13} {employee_no:<6} {name}")
