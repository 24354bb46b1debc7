"""Celery tasks: thin, take ids, call one service. Every one is safe to run twice."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reminders

RETRY = {
    "autoretry_for": (OperationalError, ConnectionError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(name="activity.dispatch_reminders")
def dispatch_reminders() -> int:
    """Beat calls this every few minutes: enqueue each branch's due reminder runs."""
    now = timezone.now()
    due = reminders.reminders_due(now)
    for item in due:
        send_reminders.delay(item.branch_id, item.kind, item.day.isoformat())
    # E-mails that could not be queued when they were due go now; delivery claims
    # each one with a conditional update, so a duplicate in the queue sends nothing.
    for notification_id in reminders.emails_not_sent(now):
        deliver_notification_email.delay(notification_id)
    for sent_id in reminders.webhooks_not_sent(now):
        deliver_region_webhook.delay(sent_id)
    return len(due)


@shared_task(name="activity.send_reminders", **RETRY)
def send_reminders(branch_id: int, kind: str, day: str) -> int:
    return reminders.reminder_run(
        branch_id=branch_id, kind=kind, day=datetime.date.fromisoformat(day)
    )


@shared_task(name="activity.deliver_notification_email", **RETRY)
def deliver_notification_email(notification_id: int) -> bool:
    return reminders.deliver_notification_email(notification_id=notification_id)


@shared_task(name="activity.deliver_region_webhook", **RETRY)
def deliver_region_webhook(sent_id: int) -> bool:
    return reminders.deliver_region_webhook(sent_id=sent_id)
