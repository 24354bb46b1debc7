"""Daily reminders and escalation: who gets reminded of what, exactly once.

`notify_once` is the core: it inserts the ReminderSent row and the in-app
notification in one transaction, so a second run, a second worker or a retry finds
the row and sends nothing. E-mail and group-robot posts go out after commit, each
guarded by its own conditional update (`deliver_*`).

The beat schedule runs `dispatch_reminders` every few minutes; it enqueues one
bounded task per branch and reminder kind that is due today and not yet finished.
A worker or broker that was down at 18:00 therefore catches up on its next tick,
for the same day only.
"""

import datetime
import json
import logging
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, override, pgettext, pgettext_lazy

from accounts.models import Branch, RegionMembership, User
from accounts.selectors import region_signer_chains, signer_id_for
from config.collation import by_name_pinyin, by_pinyin
from config.lists import joined
from planning.calendar import rules_for

from .models import (
    BranchReminderSettings,
    DailyLog,
    LogStatus,
    Notification,
    NotificationKind,
    RegionWebhook,
    ReminderRun,
    ReminderSent,
)
from .selectors import sign_offs_waiting_by_signer

logger = logging.getLogger(__name__)

SCHEDULED_KINDS = (
    NotificationKind.LOG_MISSING,
    NotificationKind.SIGN_OFF_PENDING,
    NotificationKind.ESCALATION,
)


@dataclass(frozen=True)
class DueReminder:
    branch_id: int
    kind: str
    day: datetime.date


def _send_time(settings: BranchReminderSettings, kind: str) -> datetime.time:
    return {
        NotificationKind.LOG_MISSING: settings.missing_log_at,
        NotificationKind.SIGN_OFF_PENDING: settings.sign_off_at,
        NotificationKind.ESCALATION: settings.escalate_at,
    }[kind]


def reminders_due(now: datetime.datetime) -> list[DueReminder]:
    """Reminders whose time has come today (local time) and that have not finished."""
    local = timezone.localtime(now)
    today = local.date()
    finished = set(ReminderRun.objects.filter(day=today).values_list("branch_id", "kind"))
    configured = {s.branch_id: s for s in BranchReminderSettings.objects.all()}
    due = []
    for branch_id in Branch.objects.values_list("pk", flat=True):
        settings = configured.get(branch_id) or BranchReminderSettings(branch_id=branch_id)
        if not settings.enabled or not rules_for(branch_id, today, today).is_working_day(today):
            continue
        for kind in SCHEDULED_KINDS:
            if local.time() >= _send_time(settings, kind) and (branch_id, kind) not in finished:
                due.append(DueReminder(branch_id, kind, today))
    return due


def notify_once(
    *, kind: str, day: datetime.date, recipient: User, title: str, body: str = "", url: str = ""
) -> Notification | None:
    """Create the notification unless this (kind, day, recipient) went out already."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title,
                title_source=source_of(title),
                body=body,
                url=url,
            )
            ReminderSent.objects.create(
                kind=kind, day=day, key=f"user:{recipient.pk}", notification=notification
            )
    except IntegrityError:
        return None
    if recipient.email:
        transaction.on_commit(lambda: _enqueue_email(notification.pk), robust=True)
    return notification


class StoredText(str):
    """A text in the default language that remembers its message and parameters
    (`source`), so that a reader of another language can be shown it in theirs."""

    source: dict

    @classmethod
    def ngettext(cls, singular: str, plural: str, number: int, params: dict) -> "StoredText":
        """`stored_text` of a message with a plural form, chosen by `number`. QA: "1 daily
        logs" in English. Named ngettext so that makemessages finds both forms."""
        with override(settings.LANGUAGE_CODE):
            text = cls(ngettext(singular, plural, number) % params)
        text.source = {
            "msgid": singular,
            "plural": plural,
            "number": number,
            "params": {k: _storable(v) for k, v in params.items()},
        }
        return text


def stored_text(message: str, params: dict) -> StoredText:
    """A text saved for someone else to read later (a notification's title, a reason in a
    history), from a message marked with gettext_noop: written in the interface's default
    language, as the worker's reminders are, and not in whichever language the person who
    caused it happens to use (an RM reading English returned logs with English titles to
    AMs reading Chinese). Where its `source` is kept too, `shown_text` shows it in the
    reader's language."""
    with override(settings.LANGUAGE_CODE):
        text = StoredText(_(message) % params)
    text.source = {"msgid": message, "params": {k: _storable(v) for k, v in params.items()}}
    return text


class StoredList:
    """Items listed in a stored text, joined the reader's way when it is shown: QA read
    "北 1，东 1" in English. `context` names the separator (its msgid is ", ")."""

    def __init__(self, items: Iterable[str], context: str = "list separator"):
        self.items, self.context = [str(item) for item in items], context

    def __str__(self) -> str:
        return pgettext(self.context, ", ").join(self.items)


# Counts per region in an escalation: "东 1，北 1" in Chinese. Marked here for the
# catalogue; StoredList looks it up by its context.
pgettext_lazy("list of counts", ", ")


def _storable(value):
    if isinstance(value, StoredList):
        return {"items": value.items, "context": value.context}
    if isinstance(value, Promise):  # a label such as a status: its msgid, translated when shown
        with override(None):
            return {"msgid": str(value)}
    if isinstance(value, int | float | str):
        return value
    return str(value)  # a date: as %s prints it


def source_of(text: str) -> dict:
    return getattr(text, "source", {})


def stored_joined(parts: Iterable[str], sep: str = "\n") -> StoredText:
    """Stored texts (`stored_text`) and typed ones, joined: each stored part is shown in
    the reader's language (`shown_text`), the typed ones as typed. QA: joining them kept
    only the default language, so an item's "Due …" line and its changes read Chinese in
    an English bell."""
    parts = list(parts)
    text = StoredText(sep.join(parts))
    text.source = {
        "sep": sep,
        "parts": [source_of(part) or {"text": str(part)} for part in parts],
    }
    return text


def stored_truncated(text: str, length: int) -> StoredText:
    """`text` cut to `length` characters (a notification's title), still shown in the
    reader's language (`shown_text`, which cuts that to `length` too)."""
    short = StoredText(Truncator(text).chars(length))
    short.source = {**source_of(text), "length": length} if source_of(text) else {}
    return short


def shown_text(text: str, source: dict) -> str:
    """`text` (stored in the default language) in the reader's language, from its source.
    QA: a user who switched to English read every notification in Chinese."""
    if not source or translation.get_language() == translation.get_supported_language_variant(
        settings.LANGUAGE_CODE
    ):
        return text
    shown = _translated(source)
    if shown is None:  # a message changed since: as stored
        return text
    return Truncator(shown).chars(source["length"]) if "length" in source else shown


def _translated(source: dict) -> str | None:
    """A stored text's `source` in the current language, or None when it no longer fits
    its message."""
    try:
        if "parts" in source:
            parts = [
                part["text"] if "text" in part else _translated(part) for part in source["parts"]
            ]
            return None if None in parts else source["sep"].join(parts)
        params = {k: _shown_param(v) for k, v in source["params"].items()}
        if "plural" in source:
            return ngettext(source["msgid"], source["plural"], source["number"]) % params
        return _(source["msgid"]) % params
    except (KeyError, TypeError, ValueError):
        return None


def _shown_param(value):
    if not isinstance(value, dict):
        return value
    if "items" in value:
        return str(StoredList(value["items"], value["context"]))
    return _(value["msgid"])


def notification_for(
    *, kind: str, recipient: User, title: str, body: str = "", url: str = ""
) -> Notification:
    """An event notification, not saved yet: `notify_all` sends it."""
    return Notification(
        recipient=recipient,
        kind=kind,
        title=title,
        title_source=source_of(title),
        body=body,
        body_source=source_of(body),
        url=url,
    )


def notify(
    *, kind: str, recipient: User, title: str, body: str = "", url: str = ""
) -> Notification:
    """An event notification (a log returned or signed off): one per event, no de-duplication."""
    notification = notification_for(kind=kind, recipient=recipient, title=title, body=body, url=url)
    notify_all([notification])
    return notification


def notify_all(notifications: list[Notification]) -> list[Notification]:
    """Save these notifications in one insert and e-mail those whose recipient has an
    address (a bulk sign-off tells each author)."""
    Notification.objects.bulk_create(notifications)
    for notification in notifications:
        if notification.recipient.email:
            # robust: with the broker down the notification stays, and the e-mail sweep
            # (`emails_not_sent`) sends it once the broker is back.
            pk = notification.pk
            transaction.on_commit(lambda pk=pk: _enqueue_email(pk), robust=True)
    return notifications


def _enqueue_email(notification_id: int) -> None:
    from .tasks import deliver_notification_email

    deliver_notification_email.delay(notification_id)


def post_to_region_once(*, kind: str, day: datetime.date, region_id: int, message: str) -> bool:
    """Queue one post to the region's group robot for (kind, day), if it has one."""
    if not RegionWebhook.objects.filter(region_id=region_id, is_active=True).exists():
        return False
    try:
        with transaction.atomic():
            sent = ReminderSent.objects.create(
                kind=kind, day=day, key=f"region:{region_id}", message=message
            )
    except IntegrityError:
        return False
    from .tasks import deliver_region_webhook

    transaction.on_commit(lambda: deliver_region_webhook.delay(sent.pk), robust=True)
    return True


def _members_on(branch_id: int, day: datetime.date):
    return (
        RegionMembership.objects.on(day)
        .filter(region__branch_id=branch_id, user__is_active=True)
        .select_related("user", "region")
        # Names as a Chinese reader looks them up (陈 冯 李 …), in the region's robot post too.
        .order_by(by_name_pinyin("user__name"), "user_id")
    )


def remind_missing_logs(*, branch_id: int, day: datetime.date) -> int:
    """Every active AM of the branch without a submitted log for `day`."""
    done = set(
        DailyLog.objects.filter(
            region__branch_id=branch_id,
            date=day,
            status__in=[LogStatus.SUBMITTED, LogStatus.SIGNED_OFF],
        ).values_list("author_id", flat=True)
    )
    url = reverse("activity:log_edit", kwargs={"day": day})
    sent = 0
    missing_by_region = defaultdict(list)
    for membership in _members_on(branch_id, day):
        user = membership.user
        if user.pk in done:
            continue
        missing_by_region[membership.region_id].append(user.name)
        title = stored_text(gettext_noop("Please submit your daily log for %(day)s"), {"day": day})
        if notify_once(
            kind=NotificationKind.LOG_MISSING, day=day, recipient=user, title=title, url=url
        ):
            sent += 1
    for region_id, names in missing_by_region.items():
        with override(settings.LANGUAGE_CODE):
            message = _("%(day)s daily logs not yet submitted: %(names)s") % {
                "day": day,
                "names": joined(names),
            }
        post_to_region_once(
            kind=NotificationKind.LOG_MISSING, day=day, region_id=region_id, message=message
        )
    return sent


def remind_pending_sign_offs(*, branch_id: int, day: datetime.date) -> int:
    """Everyone in the branch with submitted logs waiting for their sign-off: each
    region's manager, or the next manager up for a region that has none."""
    counts = sign_offs_waiting_by_signer(branch_id=branch_id, day=day)
    managers = User.objects.in_bulk(list(counts))
    url = reverse("activity:queue")
    sent = 0
    for manager_id, n in counts.items():
        title = StoredText.ngettext(
            "%(n)d daily log is waiting for your sign-off",
            "%(n)d daily logs are waiting for your sign-off",
            n,
            {"n": n},
        )
        if notify_once(
            kind=NotificationKind.SIGN_OFF_PENDING,
            day=day,
            recipient=managers[manager_id],
            title=title,
            url=url,
        ):
            sent += 1
    return sent


def escalate_unsigned_logs(*, branch_id: int, day: datetime.date) -> int:
    """Logs of the previous working day still unsigned → the manager above whoever signs
    them (`accounts.selectors.region_signer`): the area manager above a region's RM, else
    the branch head. A region without an RM is signed by its area manager standing in, so
    its unsigned logs go to the branch head: told of them as "escalated", she was only
    told of her own backlog again, and the head never heard that a region without an RM
    went unsigned for days. At the top of the chain (直属, signed by the head) the signer
    is told. Nobody is told of their own log."""
    rules = rules_for(branch_id, day - datetime.timedelta(days=31), day)
    previous = day - datetime.timedelta(days=1)
    while not rules.is_working_day(previous) and previous > day - datetime.timedelta(days=31):
        previous -= datetime.timedelta(days=1)
    unsigned = list(
        DailyLog.objects.waiting_for_sign_off()
        .filter(region__branch_id=branch_id, date=previous)
        .values_list("region_id", "region__name", "author")
        .annotate(n=Count("pk"))
        # Regions by pinyin in the notice (东北 before 西南), not by code point.
        .order_by(by_pinyin("region__name"))
    )
    chains = region_signer_chains({region_id for region_id, *_rest in unsigned})
    per_region = defaultdict(lambda: defaultdict(int))  # recipient → region → logs
    for region_id, region_name, author_id, n in unsigned:
        recipient = escalated_to(chains.get(region_id, []), author_id)
        if recipient is not None:
            per_region[recipient][region_name] += n
    per_recipient = {
        recipient: [f"{name} {n}" for name, n in regions.items()]
        for recipient, regions in per_region.items()
    }
    recipients = User.objects.filter(is_active=True).in_bulk(list(per_recipient))
    sent = 0
    for recipient_id, parts in per_recipient.items():
        if recipient_id not in recipients:
            continue
        title = stored_text(
            gettext_noop("Logs of %(day)s still not signed off: %(regions)s"),
            {"day": previous, "regions": StoredList(parts, "list of counts")},
        )
        if notify_once(
            kind=NotificationKind.ESCALATION,
            day=day,
            recipient=recipients[recipient_id],
            title=title,
            url=reverse("accounts:home") + f"?day={previous.isoformat()}",
        ):
            sent += 1
    return sent


def escalated_to(chain: list[int], author_id: int | None) -> int | None:
    """Who hears of `author_id`'s log left unsigned in a region with this signer chain
    (`region_signer_chains`): the next one up from its signer, or the signer at the top."""
    signer = signer_id_for(chain, author_id)
    if signer is None:
        return None
    above = [user_id for user_id in chain[chain.index(signer) + 1 :] if user_id != author_id]
    return above[0] if above else signer


REMINDERS = {
    NotificationKind.LOG_MISSING: remind_missing_logs,
    NotificationKind.SIGN_OFF_PENDING: remind_pending_sign_offs,
    NotificationKind.ESCALATION: escalate_unsigned_logs,
}


def reminder_run(*, branch_id: int, kind: str, day: datetime.date) -> int:
    """Send one branch's reminders of one kind for `day`, then mark the run finished."""
    if ReminderRun.objects.filter(branch_id=branch_id, kind=kind, day=day).exists():
        return 0
    sent = REMINDERS[kind](branch_id=branch_id, day=day)
    ReminderRun.objects.get_or_create(
        branch_id=branch_id, kind=kind, day=day, defaults={"sent": sent}
    )
    return sent


def _email_text(notification: Notification) -> str:
    """What the notification says, and a link that opens it from a mail client (the
    notification's own URL is a path on the site: QA's e-mail read only
    /logs/2026-12-01/edit/)."""
    parts = [notification.shown_title(), notification.shown_body()]
    if notification.url:
        parts.append(f"{settings.SITE_URL}{notification.url}")
    return "\n\n".join(part for part in parts if part)


def email_subject(title: str) -> str:
    """A notification's title as an e-mail subject: on one line. Django refuses to send a
    subject with a line break (header injection), and a title may quote text someone
    typed (an item's title): the retries would fail the same way for two days."""
    return " ".join(title.split())


def deliver_notification_email(*, notification_id: int) -> bool:
    """E-mail a notification once; the conditional update decides who sends."""
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=now
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    try:
        # In the language the recipient reads Footwork in, as the bell shows it to them.
        with override(recipient.language or settings.LANGUAGE_CODE):
            subject, text = email_subject(notification.shown_title()), _email_text(notification)
        send_mail(subject=subject, message=text, from_email=None, recipient_list=[recipient.email])
    except Exception:
        # Give the claim back so a retry can send it.
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        raise
    return True


def deliver_region_webhook(*, sent_id: int) -> bool:
    """Post a queued group-robot message once (WeCom and DingTalk share the text format)."""
    now = timezone.now()
    claimed = ReminderSent.objects.filter(pk=sent_id, delivered_at__isnull=True).update(
        delivered_at=now
    )
    if not claimed:
        return False
    sent = ReminderSent.objects.get(pk=sent_id)
    region_id = int(sent.key.split(":")[1])
    webhook = RegionWebhook.objects.filter(region_id=region_id, is_active=True).first()
    if webhook is None or not webhook.url.startswith(("https://", "http://")):
        return False
    payload = json.dumps({"msgtype": "text", "text": {"content": sent.message}}).encode()
    request = urllib.request.Request(  # noqa: S310  (an admin-configured http(s) URL)
        webhook.url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
    except Exception:
        ReminderSent.objects.filter(pk=sent_id, delivered_at=now).update(delivered_at=None)
        raise
    return True


def emails_not_sent(
    now: datetime.datetime, within: datetime.timedelta = datetime.timedelta(days=2)
):
    """Notifications whose e-mail was never handed to the worker (the broker was down),
    or whose delivery failed for good, from the last two days; older ones are dropped
    as stale. Excludes the last minute, which is still in flight."""
    return (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__range=(now - within, now - datetime.timedelta(minutes=1)),
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)
    )


def webhooks_not_sent(
    now: datetime.datetime, within: datetime.timedelta = datetime.timedelta(days=1)
):
    """Group-robot posts queued but never delivered (the broker or the robot was down)."""
    return ReminderSent.objects.filter(
        key__startswith="region:",
        delivered_at__isnull=True,
        created_at__range=(now - within, now - datetime.timedelta(minutes=1)),
    ).values_list("pk", flat=True)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
