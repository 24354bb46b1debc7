"""`make run`'s demo: `manage.py seed_demo` builds one branch, once, in Chinese."""

import datetime
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import Branch, Region, User
from activity.models import DailyLog, LogStatus
from planning.models import MonthlyGoalSheet, TargetRevision, TrackedItem, WeeklyReviewLine

ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}")


# Built in the morning (today's evening has not come), late in the evening, and on a
# Monday morning (the last working day was Friday).
@pytest.mark.parametrize(
    "now",
    [
        "2026-11-24T10:00+08:00",
        "2026-11-24T21:30+08:00",
        "2026-11-30T10:00+08:00",
        "2026-12-01T00:25+08:00",  # QA's make run, on the first day of a month
    ],
)
@pytest.mark.django_db
def test_seed_demo_builds_the_branch_once_and_writes_chinese(capsys, now):
    translation.deactivate()  # as in `make run`'s fresh process: the site's default language
    with time_machine.travel(datetime.datetime.fromisoformat(now), tick=False):
        _seed_twice_and_check(capsys)


def _seed_twice_and_check(capsys):
    call_command("seed_demo", ams=6, weeks=2)
    first = capsys.readouterr().out
    counts = (User.objects.count(), DailyLog.objects.count(), TargetRevision.objects.count())
    assert Branch.objects.count() == 1 and counts[1] > 0 and counts[2] > 0
    assert "0002" in first  # the logins are printed

    call_command("seed_demo", ams=6, weeks=2)
    assert "already there" in capsys.readouterr().out
    assert (User.objects.count(), DailyLog.objects.count(), TargetRevision.objects.count()) == (
        counts
    )

    # The audit trail reads in order: opened, then handed in and signed off, never later
    # than now (a demo built in the morning has no logs handed in "this evening").
    now = timezone.now()
    for log in DailyLog.objects.prefetch_related("events"):
        times = [log.created_at, *(event.created_at for event in log.events.all())]
        assert times == sorted(times) and times[-1] <= now, (log.date, times)
        assert log.signed_off_at is None or log.submitted_at <= log.signed_off_at <= now

    # A log is opened on its day or later, and today's cannot be late yet (QA at 00:25
    # saw a log of today marked 补交, opened "yesterday" at 23:13).
    today = timezone.localdate()
    for log in DailyLog.objects.all():
        assert timezone.localtime(log.created_at).date() >= log.date, (log.date, log.created_at)
    assert not DailyLog.objects.filter(date=today, is_late=True).exists()
    if timezone.localtime().hour < 8:
        assert not DailyLog.objects.filter(date=today).exists()
    # Every visit counted has its record (the log page flags those without).
    for log in DailyLog.objects.prefetch_related("values__metric", "visits"):
        counted = next(v.value for v in log.values.all() if v.metric.code == "visits")
        assert len(log.visits.all()) == counted, log.date
    # Nothing happened in the future (QA: December sheets "agreed" on 2 December at 10:00,
    # read on the 1st).
    assert not MonthlyGoalSheet.objects.filter(agreed_at__gt=now).exists()
    assert not MonthlyGoalSheet.objects.filter(submitted_at__gt=now).exists()
    assert not TargetRevision.objects.filter(changed_at__gt=now).exists()
    # A submitted weekly review keeps the figures it was submitted with.
    assert not WeeklyReviewLine.objects.filter(
        review__submitted_at__isnull=False, actual_at_submit__isnull=True
    ).exists()

    # Every regional manager finds logs waiting for sign-off, whatever the time of day:
    # a newcomer logging in as one must be able to try the sign-off.
    for region in Region.objects.all():
        assert DailyLog.objects.filter(region=region, status=LogStatus.SUBMITTED).exists(), (
            region.name
        )

    # Text stored by the demo is shown as it is: it must be in the site's language.
    stored = [
        *TargetRevision.objects.values_list("reason", flat=True),
        *TrackedItem.objects.values_list("title", flat=True),
    ]
    assert stored and not [text for text in stored if ENGLISH_WORDS.search(text)]
