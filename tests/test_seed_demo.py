"""`make run`'s demo: `manage.py seed_demo` builds one branch, once, in Chinese."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import resolve, reverse
from django.utils import timezone, translation

from accounts.demo import demo_logins
from accounts.models import Branch, Region, Role, User
from activity import services as activity_services
from activity.models import (
    DailyLog,
    IntentStage,
    LogStatus,
    Notification,
    NotificationKind,
    Prospect,
    ReminderSent,
    VisitRecord,
)
from activity.reminders import SCHEDULED_KINDS
from activity.views import PROSPECTS_PER_PAGE
from planning.models import (
    ItemStatus,
    MonthlyGoalSheet,
    PlannedVisit,
    ReviewStatus,
    SheetStatus,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)

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
    # A late log came to its RM the day it was handed in, as a hand-in stores it: the
    # sign-off rates read that day.
    for log in DailyLog.objects.filter(submitted_at__isnull=False):
        assert log.handed_in_on == activity_services.reached_rm_on(log.date, log.submitted_at)
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


# A newcomer logging in as each demo role finds every feature in use, in a state that
# keeps the rules: a Tuesday evening, after the day's reminders have gone out.
@pytest.mark.django_db
def test_seed_demo_shows_every_feature_in_a_believable_state():
    translation.deactivate()
    with time_machine.travel(datetime.datetime.fromisoformat("2026-11-24T21:30+08:00"), tick=False):
        call_command("seed_demo", ams=20, weeks=2, stdout=io.StringIO())
        today, now = timezone.localdate(), timezone.now()
        branch = Branch.objects.get()
        demo_ams = [
            User.objects.get(employee_no=no) for role, no, _ in demo_logins(branch) if role == "am"
        ]
        managers = {r.manager for r in Region.objects.select_related("manager")}

        # Prospects: every AM keeps a list; the demo AMs have more than a page of it.
        for am in User.objects.filter(role=Role.ACCOUNT_MANAGER):
            assert am.prospects.exists(), am.employee_no
        for am in demo_ams:
            assert am.prospects.count() > PROSPECTS_PER_PAGE, am.employee_no
        assert not Prospect.objects.exclude(owner__role=Role.ACCOUNT_MANAGER).exists()
        assert not Prospect.objects.exclude(stage__in=IntentStage.values).exists()
        # Visits follow the prospects of their own log's author, and a prospect's stage is
        # that of its latest visit (as the log service keeps it).
        linked = VisitRecord.objects.filter(prospect__isnull=False).select_related(
            "log", "prospect"
        )
        assert linked.count() > VisitRecord.objects.count() / 2
        latest = {}
        for visit in linked.order_by("log__date", "order"):
            assert visit.prospect.owner_id == visit.log.author_id
            assert visit.customer == visit.prospect.name
            latest[visit.prospect_id] = visit.stage
        stages = dict(Prospect.objects.filter(pk__in=latest).values_list("pk", "stage"))
        assert stages == latest
        # Prospects are planned for next week by name, and mostly seen that week: the
        # next review's 'planned visits' shows visits made and not made.
        # (The demo AMs' lists are long: a prospect picked at random was seen 1 week in 3.)
        planned = PlannedVisit.objects.filter(
            prospect__isnull=False, review__author__in=demo_ams
        ).select_related("review")
        made = [
            VisitRecord.objects.filter(
                prospect=visit.prospect_id,
                log__date__gte=visit.review.week_start + datetime.timedelta(weeks=1),
                log__date__lt=visit.review.week_start + datetime.timedelta(weeks=2),
            ).exists()
            for visit in planned
            if visit.review.week_start < today - datetime.timedelta(days=13)
        ]
        assert made and sum(made) > 0.6 * len(made) and not all(made)

        # Today's log of the first demo AM is left to write.
        assert not DailyLog.objects.filter(author=demo_ams[0], date=today).exists()

        # Every signer has a log asking for a joint visit waiting, and was told of it once.
        for manager in managers:
            asking = DailyLog.objects.filter(
                region__manager=manager, status=LogStatus.SUBMITTED, needs_joint_visit=True
            ).exclude(needs_from_manager="")
            assert asking.exists(), manager.employee_no
            # It names a customer the AM saw that day (the RM opens the log to see whom).
            for log in asking.prefetch_related("visits"):
                assert [v for v in log.visits.all() if v.customer in log.needs_from_manager]
            told = Notification.objects.filter(
                recipient=manager, kind=NotificationKind.HELP_REQUESTED, read_at=None
            )
            assert {n.url for n in told} >= {
                reverse("activity:log_detail", kwargs={"pk": log.pk}) for log in asking
            }
            assert ReminderSent.objects.filter(
                kind=NotificationKind.HELP_REQUESTED, notification__in=told
            ).exists()

        # Each demo AM has a log of the last days returned, and was told why.
        for am in demo_ams:
            log = DailyLog.objects.filter(author=am, status=LogStatus.RETURNED).first()
            assert log and log.return_reason and (today - log.date).days <= 7
            assert Notification.objects.filter(
                recipient=am,
                kind=NotificationKind.LOG_RETURNED,
                body=log.return_reason,
                read_at=None,
            ).exists()
        assert not DailyLog.objects.filter(
            status=LogStatus.RETURNED, date__lt=today - datetime.timedelta(days=8)
        ).exists()

        # Items handed down: each demo AM has one overdue and one done, with its history.
        for am in demo_ams:
            items = TrackedItem.objects.filter(assignee=am)
            assert any(item.is_overdue(today) for item in items), am.employee_no
            done = items.get(status=ItemStatus.DONE)
            assert [n.to_status for n in done.notes.all()] == [
                ItemStatus.OPEN,
                ItemStatus.IN_PROGRESS,
                ItemStatus.DONE,
            ]
        assert not TrackedItem.objects.exclude(status__in=ItemStatus.values).exists()
        assert TrackedItem.objects.filter(assignee__role=Role.REGIONAL_MANAGER).exists()
        assert not TrackedItemNote.objects.filter(created_at__gt=now).exists()

        # Goal sheets and weekly reviews in every state, in every region.
        this_month = today.replace(day=1)
        last_week = today - datetime.timedelta(days=today.weekday() + 7)
        for region in Region.objects.all():
            sheets = MonthlyGoalSheet.objects.filter(region=region, month=this_month)
            assert sheets.filter(status=SheetStatus.SUBMITTED).exists(), region.name
            assert sheets.filter(
                status=SheetStatus.AGREED, change_requested_at__isnull=False
            ).exists()
            reviews = WeeklyReview.objects.filter(region=region, week_start=last_week)
            assert reviews.filter(status=ReviewStatus.SUBMITTED).exists(), region.name
            assert reviews.filter(status=ReviewStatus.REVIEWED).exists(), region.name
        assert not MonthlyGoalSheet.objects.filter(
            status=SheetStatus.DRAFT, submitted_at__isnull=False
        ).exists()
        assert not MonthlyGoalSheet.objects.filter(change_requested_at__gt=now).exists()

        # The bell: something unread for every demo login but the admin; nothing from
        # the future, and every link opens a page of the app.
        for role, employee_no, _ in demo_logins(branch):
            unread = Notification.objects.filter(recipient__employee_no=employee_no, read_at=None)
            assert role == "admin" or unread.exists(), employee_no
        assert not Notification.objects.filter(created_at__gt=now).exists()
        assert not Notification.objects.filter(read_at__gt=now).exists()
        # The scheduled reminders are today's only: yesterday's, replayed, read as two
        # 'N logs wait for you' notices sent the same minute.
        reminded = Notification.objects.filter(kind__in=SCHEDULED_KINDS)
        assert reminded.exists()
        assert reminded.count() == reminded.values("recipient", "kind").distinct().count()
        for url in set(Notification.objects.values_list("url", flat=True)):
            resolve(url.split("?")[0])
