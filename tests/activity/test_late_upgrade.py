"""Logs handed in before the upgrade that made a rest day's log due with the next
working day's: 0022 sets their 补交 flag by that rule, and the day they reached their RM."""

import datetime
import importlib

from django.apps import apps

from activity.models import DailyLog
from planning.models import BranchPlanningSettings, CalendarOverride
from tests import factories as f

MIGRATION = "activity.migrations.0022_dailylog_late_backfill"


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """`hour`:`minute` in Shanghai on `day`, as stored (UTC)."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)
    return local - datetime.timedelta(hours=8)


def test_logs_handed_in_before_the_upgrade_are_late_by_the_rule_of_now(org):
    wednesday, saturday = datetime.date(2026, 11, 18), datetime.date(2026, 11, 21)
    CalendarOverride.objects.create(branch=org.branch, date=wednesday, is_working_day=False)
    # The other branch works on Saturdays.
    BranchPlanningSettings.objects.create(branch=org.other_branch, working_weekdays="012345")
    friday, sunday = saturday - datetime.timedelta(1), saturday + datetime.timedelta(1)
    monday, tuesday = saturday + datetime.timedelta(2), saturday + datetime.timedelta(3)
    last_saturday, last_tuesday = saturday - datetime.timedelta(7), monday - datetime.timedelta(6)
    national_day = [datetime.date(2026, 10, d) for d in (2, 3, 8, 9)]  # 2nd, 3rd off
    # (author, day, handed in) → (late, the day it reached the RM when after its own day)
    cases = {
        (org.am, saturday, _at(monday, 21)): (False, monday),
        (org.am, friday, _at(saturday, 0, 3)): (False, None),  # a working day's grace
        (org.am, sunday, _at(sunday, 20)): (False, None),
        (org.am, last_saturday, _at(last_tuesday, 9)): (True, last_tuesday),
        (org.peer_am, friday, _at(monday, 21)): (True, monday),
        (org.peer_am, wednesday, _at(wednesday + datetime.timedelta(1), 21)): (
            False,
            wednesday + datetime.timedelta(1),
        ),
        (org.peer_am, saturday, _at(tuesday, 0, 3)): (False, tuesday),  # Monday's grace
        (org.am, national_day[0], _at(national_day[2], 21)): (False, national_day[2]),
        (org.am, national_day[1], _at(national_day[3], 21)): (True, national_day[3]),
        (org.foreign_am, saturday, _at(monday, 21)): (True, monday),  # a working Saturday
    }
    for author, day, at in cases:
        # As the rule of before left them: late once handed in after its own day.
        late = (at + datetime.timedelta(hours=8) - datetime.timedelta(minutes=5)).date() > day
        f.DailyLogFactory(
            author=author,
            region=author.memberships.get().region,
            date=day,
            submitted_at=at,
            is_late=late,
        )
    draft = f.DailyLogFactory(author=org.peer_am, region=org.region, date=monday, status="draft")

    importlib.import_module(MIGRATION).backfill(apps, None)

    found = {
        (log.author, log.date, log.submitted_at): (log.is_late, log.handed_in_on)
        for log in DailyLog.objects.exclude(pk=draft.pk)
    }
    assert found == cases
    draft.refresh_from_db()
    assert (draft.is_late, draft.handed_in_on) == (False, None)
    # Run again (a migration retried): nothing moves.
    importlib.import_module(MIGRATION).backfill(apps, None)
    assert {
        (log.author, log.date, log.submitted_at): (log.is_late, log.handed_in_on)
        for log in DailyLog.objects.exclude(pk=draft.pk)
    } == cases
