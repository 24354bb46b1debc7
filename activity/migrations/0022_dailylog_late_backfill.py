"""Logs handed in before 0021 by the rule of that time: a rest day's log (a Saturday, a
holiday) was late (补交) once handed in after its own day. It is due with the next
working day's now (`activity.services.log_due_day`); and the day a late log reached
its RM, read from its hand-in time until now, is stored (`handed_in_on`).

A few statements in SQL, not a loop over the logs: one for the hand-in days, then two
per branch."""

import datetime
from collections import defaultdict

from django.db import migrations
from django.db.models import Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from activity.services import LATE_GRACE, log_due_day
from planning.calendar import BranchRules


def _rules(apps, branch_id, first, last) -> BranchRules:
    Settings = apps.get_model("planning", "BranchPlanningSettings")
    Override = apps.get_model("planning", "CalendarOverride")
    weekdays = (
        Settings.objects.filter(branch_id=branch_id)
        .values_list("working_weekdays", flat=True)
        .first()
        or "01234"
    )
    overrides = Override.objects.filter(branch_id=branch_id, date__range=(first, last))
    return BranchRules(
        working_weekdays=frozenset(int(c) for c in weekdays if c.isdigit()),
        overrides=dict(overrides.values_list("date", "is_working_day")),
    )


def backfill(apps, schema_editor):
    DailyLog = apps.get_model("activity", "DailyLog")
    Region = apps.get_model("accounts", "Region")
    handed_in = DailyLog.objects.filter(submitted_at__isnull=False)
    # Until now only a late log reached its RM after its day, on the day of its hand-in
    # (in the branch's time zone, as reports read it).
    handed_in.filter(is_late=True, handed_in_on__isnull=True).update(
        handed_in_on=TruncDate("submitted_at")
    )
    span = handed_in.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return
    regions = defaultdict(list)
    for pk, branch_id in Region.objects.values_list("pk", "branch_id"):
        regions[branch_id].append(pk)
    for branch_id, region_ids in regions.items():
        rules = _rules(apps, branch_id, span["first"], span["last"] + datetime.timedelta(days=31))
        rest_days_by_due = defaultdict(list)
        day = span["first"]
        while day <= span["last"]:
            if not rules.is_working_day(day):
                rest_days_by_due[log_due_day(day, rules)].append(day)
            day += datetime.timedelta(days=1)
        if not rest_days_by_due:
            continue
        # Late: handed in after the end of its due day, with the grace of a tap at 23:59.
        late = Q()
        for due, days in rest_days_by_due.items():
            ends = timezone.make_aware(
                datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time())
            )
            late |= Q(date__in=days, submitted_at__gte=ends + LATE_GRACE)
        rest_days = [day for days in rest_days_by_due.values() for day in days]
        logs = handed_in.filter(region_id__in=region_ids, date__in=rest_days)
        # Only the logs whose flag changes are written (a few percent of a rest day's).
        logs.filter(late, is_late=False).update(is_late=True)
        logs.filter(is_late=True).exclude(late).update(is_late=False)


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0021_dailylog_handed_in_on"),
        ("accounts", "0001_initial"),
        ("planning", "0010_target_covers_from"),
    ]

    # Backwards: 0021 drops the column; the rest days' logs keep the flag of the new rule.
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
