"""Writes to daily logs: saving, the sign-off state machine and its audit trail.

Every transition is a conditional UPDATE on the expected status, so two clicks, two
tabs or two managers racing produce exactly one winner; the loser gets
`LogTransitionError` with a message for the user.
"""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import selectors as org
from accounts.models import User
from accounts.services import user_lock
from config.text import phone_number
from planning.calendar import BranchRules, rules_for

from . import selectors
from .models import (
    DailyLog,
    LogEvent,
    LogStatus,
    MetricValue,
    Notification,
    NotificationKind,
    Prospect,
    ReminderSent,
    VisitRecord,
)
from .reminders import notification_for, notify, notify_all, stored_text


class LogTransitionError(Exception):
    """The log is no longer in the state this action needs (someone else acted first)."""


@dataclass
class VisitInput:
    customer: str
    prospect_id: int | None = None
    channel: str = ""
    marketing_activity: str = ""
    stage: str = ""
    needs: str = ""
    result: str = ""
    next_step: str = ""
    # Create a prospect from this visit ("add to my prospects"), with these details.
    new_prospect: dict = field(default_factory=dict)


LOG_FIELDS = (
    "needs_joint_visit",
    "needs_from_manager",
    "support_training",
    "support_material",
    "support_notes",
    "remarks",
)


def local_today() -> datetime.date:
    return timezone.localdate()


# A tap on 提交 at 23:59 on a slow phone network reaches the server after midnight: a
# log handed in this soon after its day ended is on time, not 补交. Its page, opened on
# the day, never said it would be late.
LATE_GRACE = datetime.timedelta(minutes=5)


# Longer than any run of rest days (Spring Festival's, with a weekend either side).
LONGEST_REST = datetime.timedelta(days=31)


def log_due_day(day: datetime.date, rules: BranchRules) -> datetime.date:
    """The working day by whose end a log of `day` is due: its own, or for a rest day's
    (a Saturday, a holiday, by the branch's calendar) the next working day's. Nobody
    owes a log that day: an AM who worked it hands hers in with Monday's."""
    due = day
    while not rules.is_working_day(due) and due < day + LONGEST_REST:
        due += datetime.timedelta(days=1)
    return due


def handed_in_late(day: datetime.date, at: datetime.datetime, *, branch_id: int | None) -> bool:
    """Whether the log of `day` handed in at `at` is late (补交): after the end of its due
    day (`log_due_day`), by the branch's clock (Asia/Shanghai by default, whatever the
    server's own time zone). Decided once, when it is first handed in, and stored
    (`DailyLog.is_late`): every badge and report reads that."""
    handed_in = timezone.localdate(at - LATE_GRACE)
    if handed_in <= day:
        return False  # on its own day: no calendar to read
    return handed_in > log_due_day(day, rules_for(branch_id, day, handed_in))


def reached_rm_on(day: datetime.date, at: datetime.datetime) -> datetime.date | None:
    """The day a log of `day` first handed in at `at` reached its RM, when after its own
    day (None: on it). Her sign-off deadline runs from there (reports), late or not: a
    Saturday's log handed in on Monday came on Monday."""
    return timezone.localdate(at) if timezone.localdate(at - LATE_GRACE) > day else None


@transaction.atomic
def daily_log_save(
    *,
    author: User,
    log_date: datetime.date,
    fields: Mapping,
    counts: Mapping[int, int],
    visits: Iterable[VisitInput],
    submit: bool = False,
) -> DailyLog:
    """Create or update `author`'s log for `log_date`; submit it when asked.

    Drafts keep everything typed. A signed-off or submitted log is not the author's
    to change any more.
    """
    if log_date > local_today():
        raise ValidationError(_("You cannot fill in a log for a future day."))
    # Two posts of a log not saved yet (提交 tapped twice) both inserted one, and the
    # second broke on the one-log-a-day constraint: now it waits and finds the first's.
    user_lock(user=author)
    log = DailyLog.objects.select_for_update().filter(author=author, date=log_date).first()
    if log is None:
        membership = org.membership_on(author, log_date)
        if membership is None:
            raise ValidationError(
                _("You were not a member of any region on %(date)s.") % {"date": log_date}
            )
        log = DailyLog(author=author, date=log_date, region=membership.region)
    elif not log.is_editable_by_author:
        raise LogTransitionError(
            _("This log is %(status)s and can no longer be changed.")
            % {"status": log.get_status_display()}
        )
    for name in LOG_FIELDS:
        if name in fields:
            setattr(log, name, fields[name])
    log.save()
    _save_counts(log, counts)
    _replace_visits(log, author, visits)
    if submit:
        log = _submit(log, author)
        _tell_signer_of_request(log)
    return log


def _save_counts(log: DailyLog, counts: Mapping[int, int]) -> None:
    existing = {v.metric_id: v for v in log.values.all()}
    to_create, to_update = [], []
    for metric_id, value in counts.items():
        value = value or 0
        if metric_id in existing:
            if existing[metric_id].value != value:
                existing[metric_id].value = value
                to_update.append(existing[metric_id])
        else:
            to_create.append(MetricValue(log=log, metric_id=metric_id, value=value))
    MetricValue.objects.bulk_create(to_create)
    MetricValue.objects.bulk_update(to_update, ["value"])


def _replace_visits(log: DailyLog, author: User, visits: Iterable[VisitInput]) -> None:
    # The form always posts the whole list, so replacing keeps the log equal to what was typed.
    visited_before = set(log.visits.exclude(prospect=None).values_list("prospect_id", flat=True))
    log.visits.all().delete()
    own = list(Prospect.objects.filter(owner=author).values_list("pk", "name", "phone"))
    own_prospect_ids = {pk for pk, _name, _phone in own}
    by_name = defaultdict(list)  # her prospects by name as compared, in the order found
    for pk, name, phone in own:
        by_name[selectors.customer_key(name)].append([pk, phone])
    records = []
    for order, visit in enumerate(visits):
        prospect_id = visit.prospect_id if visit.prospect_id in own_prospect_ids else None
        if prospect_id is None and visit.new_prospect:
            prospect_id = _prospect_for_new(author, visit, by_name)
        records.append(
            VisitRecord(
                log=log,
                prospect_id=prospect_id,
                customer=visit.customer,
                channel=visit.channel,
                marketing_activity=visit.marketing_activity,
                stage=visit.stage,
                needs=visit.needs,
                result=visit.result,
                next_step=visit.next_step,
                order=order,
            )
        )
    VisitRecord.objects.bulk_create(records)
    _follow_stages(log, records)
    _restore_stages(log, visited_before - {r.prospect_id for r in records if r.stage})


def _prospect_for_new(author: User, visit: VisitInput, by_name: dict[str, list]) -> int:
    """The prospect a visit ticked "add to my prospects" is of. One she has by that name
    (or one an earlier visit of this log added) is it, unless both have phones and they
    differ (王先生 at two numbers is two people): two visits to 恒通物流 made two, and a
    name typed 嘉禾４Ｓ店 beside her 嘉禾4S店 made a second. A phone she lacked is kept.
    Phones are compared by their digits: one saved as typed before the forms tidied them
    (0571-86966953) is the number the form now keeps as 057186966953."""
    phone = visit.new_prospect.get("phone", "")
    same_name = by_name[selectors.customer_key(visit.customer)]
    for found in same_name:
        pk, known_phone = found
        if not phone or not known_phone or phone_number(phone) == phone_number(known_phone):
            if phone and not known_phone:
                Prospect.objects.filter(pk=pk).update(phone=phone)
                found[1] = phone
            return pk
    prospect = Prospect.objects.create(
        owner=author,
        name=visit.customer,
        stage=visit.stage or "first_contact",
        **visit.new_prospect,
    )
    same_name.append([prospect.pk, prospect.phone])
    return prospect.pk


# A post repeated within this long is the same save: the back button and 保存 again, or
# a second tap the page did not stop (JavaScript off, another tab).
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(minutes=1)


@transaction.atomic
def prospect_create(*, owner: User, prospect: Prospect) -> Prospect:
    """`prospect` (unsaved, from the form) on `owner`'s list. The same name and phone she
    saved in the last minute is that save repeated, and is returned: the back button
    after 保存 and 保存 again put the customer on her list twice."""
    user_lock(user=owner)
    key, phone = selectors.customer_key(prospect.name), phone_number(prospect.phone)
    recent = Prospect.objects.filter(
        owner=owner, created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW
    )
    for found in recent:
        if selectors.customer_key(found.name) == key and phone_number(found.phone) == phone:
            return found
    _refuse_duplicate(owner, key, phone)
    prospect.owner = owner
    prospect.save()
    return prospect


def _refuse_duplicate(owner: User, key: str, phone: str) -> None:
    """A prospect she has already is not added twice: 陈 一鸣 or 陈一鸣 typed full width
    beside her 陈一鸣, or her number written 0571-86966953 for 057186966953, made a
    second one, and her visits and plans split between the two. The same name at another
    number is someone else (王先生 twice), as a log's "add it" decides."""
    for name, known in Prospect.objects.filter(owner=owner).values_list("name", "phone"):
        known = phone_number(known)
        if selectors.customer_key(name) == key and not (phone and known and phone != known):
            raise ValidationError(
                {
                    "name": _(
                        "“%(name)s” is on your list already: change it on its page (find "
                        "it in the list). Someone else of that name: give their phone."
                    )
                    % {"name": name}
                }
            )
        if phone and phone == known:
            raise ValidationError(
                {
                    "phone": _(
                        "This is the phone of “%(name)s” on your list: change that "
                        "prospect on its page (find it in the list) rather than adding it "
                        "again."
                    )
                    % {"name": name}
                }
            )


def _follow_stages(log: DailyLog, records: list[VisitRecord]) -> None:
    """The latest visit's stage is the prospect's stage now: a log's visits set it unless
    a later day's visit did (correcting a returned log of Monday put back a stage the AM
    had moved on from since). One update per stage, not per visit."""
    stages = {r.prospect_id: r.stage for r in records if r.prospect_id and r.stage}
    later = VisitRecord.objects.filter(
        prospect_id__in=stages, log__author_id=log.author_id, log__date__gt=log.date
    ).exclude(stage="")
    for prospect_id in later.values_list("prospect_id", flat=True).distinct():
        del stages[prospect_id]
    by_stage = defaultdict(list)
    for prospect_id, stage in stages.items():
        by_stage[stage].append(prospect_id)
    for stage, prospect_ids in by_stage.items():
        Prospect.objects.filter(pk__in=prospect_ids).update(stage=stage)


def _restore_stages(log: DailyLog, prospect_ids: set[int]) -> None:
    """Prospects whose visit (or its stage) left this log are at the stage of their latest
    visit that is left: a visit to 鑫源汽修 marked 已成交 by mistake and removed from the
    draft kept her 已成交 on her page and in the list. With no visit left, the stage
    before is not known, and is kept."""
    if not prospect_ids:
        return
    latest = {}
    for prospect_id, stage in (
        VisitRecord.objects.filter(prospect_id__in=prospect_ids, log__author_id=log.author_id)
        .exclude(stage="")
        .order_by("log__date", "order", "pk")
        .values_list("prospect_id", "stage")
    ):
        latest[prospect_id] = stage
    by_stage = defaultdict(list)
    for prospect_id, stage in latest.items():
        by_stage[stage].append(prospect_id)
    for stage, ids in by_stage.items():
        Prospect.objects.filter(pk__in=ids).update(stage=stage)


def _transition(
    log: DailyLog,
    *,
    actor: User,
    expected: Iterable[str],
    to_status: str,
    action: str,
    comment: str = "",
    **updates,
) -> DailyLog:
    expected = list(expected)
    from_status = (
        DailyLog.objects.filter(pk=log.pk, status__in=expected)
        .values_list("status", flat=True)
        .first()
    )
    changed = (
        from_status is not None
        and DailyLog.objects.filter(pk=log.pk, status=from_status).update(
            status=to_status, updated_at=timezone.now(), **updates
        )
        == 1
    )
    if not changed:
        log.refresh_from_db(fields=["status"])
        raise LogTransitionError(
            _("This log is already %(status)s; nothing was changed.")
            % {"status": log.get_status_display()}
        )
    _record(
        [log.pk],
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )
    log.refresh_from_db()
    return log


def _record(log_ids: list[int], *, actor: User, action: str, **fields) -> None:
    """The audit entry of each log moved: one per log, one insert however many."""
    LogEvent.objects.bulk_create(
        LogEvent(log_id=pk, actor=actor, action=action, **fields) for pk in log_ids
    )


def _submit(log: DailyLog, author: User) -> DailyLog:
    now = timezone.now()
    resubmission = log.status == LogStatus.RETURNED
    updates = {}
    if log.submitted_at is None:
        # A returned or reopened log handed in again keeps what its first hand-in set.
        updates = {
            "submitted_at": now,
            "is_late": handed_in_late(log.date, now, branch_id=log.region.branch_id),
            "handed_in_on": reached_rm_on(log.date, now),
        }
    return _transition(
        log,
        actor=author,
        expected=DailyLog.EDITABLE_BY_AUTHOR,
        to_status=LogStatus.SUBMITTED,
        action=LogEvent.Action.RESUBMITTED if resubmission else LogEvent.Action.SUBMITTED,
        **updates,
    )


def _request_parts(log: DailyLog) -> list[str]:
    """What the log asks of the manager, part by part: a joint visit, and the text of
    what the AM needs from them (a new wording is a new request)."""
    parts = ["joint"] if log.needs_joint_visit else []
    text = log.needs_from_manager.strip()
    if text:
        parts.append(hashlib.sha256(text.encode()).hexdigest()[:16])
    return parts


def _tell_signer_of_request(log: DailyLog) -> Notification | None:
    """Tell whoever signs off the log that its author asks them for a joint visit or
    for something else, when it is handed in: a joint visit is arranged before the
    customer is seen again, not at the evening's sign-off (the queue's badge alone was
    found too late). Each part of a request is told once per log, whatever runs twice:
    a resubmission after a return tells again only when it asks for something new.
    Training and material requests are left to the queue: they wait for the sign-off."""
    signer = selectors.log_submitted_to(log)
    parts = _request_parts(log)
    if signer is None or not parts:
        return None
    new = []
    for part in parts:
        try:
            with transaction.atomic():
                new.append(
                    ReminderSent.objects.create(
                        kind=NotificationKind.HELP_REQUESTED,
                        day=log.date,
                        key=f"log:{log.pk}:{part}",
                    )
                )
        except IntegrityError:  # told already
            continue
    if not new:
        return None
    notification = _help_request_notice(log, signer)
    ReminderSent.objects.filter(pk__in=[sent.pk for sent in new]).update(notification=notification)
    return notification


def help_requests_follow(*, log_ids) -> int:
    """Logs handed in with a request for a joint visit or for something else, whose
    signer changed before they were signed off: a move filed them under another region
    (entered at noon from today), or their region's RM left or was replaced. Whoever
    signs them now is told, once per log, unless told already. Only the RM of the
    morning had been told: one who left, or whose bell led to a log she may no longer
    open, while whoever signs it now met the request at the evening's sign-off."""
    logs = (
        DailyLog.objects.waiting_for_sign_off()
        .filter(pk__in=list(log_ids))
        .select_related(
            "author", "region__manager", "region__area__manager", "region__branch__head"
        )
    )
    told = 0
    for log in logs:
        signer = selectors.log_submitted_to(log)
        if signer is None or not _request_parts(log):
            continue
        if ReminderSent.objects.filter(
            kind=NotificationKind.HELP_REQUESTED,
            key__startswith=f"log:{log.pk}:",
            notification__recipient=signer,
        ).exists():
            continue
        try:
            with transaction.atomic():
                sent = ReminderSent.objects.create(
                    kind=NotificationKind.HELP_REQUESTED,
                    day=log.date,
                    key=f"log:{log.pk}:to:{signer.pk}",
                )
        except IntegrityError:  # told already
            continue
        sent.notification = _help_request_notice(log, signer)
        sent.save(update_fields=["notification"])
        told += 1
    return told


def help_requests_of_regions_follow(*, region_ids) -> int:
    """`help_requests_follow` for the waiting logs of regions whose manager changed."""
    waiting = DailyLog.objects.waiting_for_sign_off().filter(region_id__in=list(region_ids))
    return help_requests_follow(log_ids=waiting.values_list("pk", flat=True))


def _help_request_notice(log: DailyLog, signer: User) -> Notification:
    params = {"name": log.author.name, "day": log.date}
    return notify(
        kind=NotificationKind.HELP_REQUESTED,
        recipient=signer,
        title=stored_text(
            gettext_noop("%(name)s asks you for a joint visit (log of %(day)s)")
            if log.needs_joint_visit
            else gettext_noop("%(name)s asks you for something (log of %(day)s)"),
            params,
        ),
        body=log.needs_from_manager.strip(),
        url=reverse("activity:log_detail", kwargs={"pk": log.pk}),
    )


def _require_sign_off_right(actor: User, log: DailyLog) -> None:
    if not org.can_sign_off(actor, log):
        raise PermissionDenied(_("Only the regional manager of this log's region may do that."))


def _tell_author(log: DailyLog, kind: str, title: str, body: str) -> None:
    notify(
        kind=kind,
        recipient=log.author,
        title=title,
        body=body,
        url=reverse("activity:log_detail", kwargs={"pk": log.pk}),
    )


def _sign_off_updates(actor: User, comment: str) -> dict:
    """What a sign-off writes on the log besides its status (one log or many)."""
    return {"signed_off_by": actor, "signed_off_at": timezone.now(), "manager_comment": comment}


def _signed_off_notice(log: DailyLog, actor: User, comment: str) -> Notification:
    """The author's notice of a sign-off with a comment (unsaved)."""
    return notification_for(
        kind=NotificationKind.LOG_SIGNED_OFF,
        recipient=log.author,
        title=stored_text(
            gettext_noop("%(name)s signed off your log of %(day)s"),
            {"name": actor.name, "day": log.date},
        ),
        body=comment,
        url=reverse("activity:log_detail", kwargs={"pk": log.pk}),
    )


@transaction.atomic
def daily_log_sign_off(*, log: DailyLog, actor: User, comment: str = "") -> DailyLog:
    _require_sign_off_right(actor, log)
    if log.status == LogStatus.SUBMITTED and log.asks_for_help and not comment.strip():
        # QA (phone): a log asking for a joint visit was signed off with no 批示; its
        # author was told nothing (no comment, no notice) and never heard an answer.
        raise ValidationError(
            {
                "comment": _(
                    "This log asks you for a joint visit or support: answer it in the "
                    "comment before signing it off."
                )
            }
        )
    log = _transition(
        log,
        actor=actor,
        expected=[LogStatus.SUBMITTED],
        to_status=LogStatus.SIGNED_OFF,
        action=LogEvent.Action.SIGNED_OFF,
        comment=comment,
        **_sign_off_updates(actor, comment),
    )
    _help_requests_answered(log)
    if comment:
        notify_all([_signed_off_notice(log, actor, comment)])
    return log


def _help_requests_answered(log: DailyLog) -> None:
    """Mark read the bell notices of the log's request for help, once it is answered
    (signed off with a 批示, or returned). QA: the RM answered from the queue, never
    opened the notice, and her bell counted the request for days."""
    Notification.objects.filter(
        read_at__isnull=True,
        pk__in=ReminderSent.objects.filter(
            kind=NotificationKind.HELP_REQUESTED, day=log.date, key__startswith=f"log:{log.pk}:"
        ).values("notification_id"),
    ).update(read_at=timezone.now())


def _require_author_still_here(log: DailyLog, message: str) -> None:
    """A log goes back only to someone who can correct it: one returned to a person who
    has left (inactive, cannot log in) would wait for good, and its numbers would drop
    out of the actuals, which count handed-in logs only (QA: 邓伟's log of 22 Dec)."""
    if not log.author.is_active:
        raise ValidationError(message % {"name": log.author.name})


@transaction.atomic
def daily_log_return(*, log: DailyLog, actor: User, reason: str, comment: str = "") -> DailyLog:
    """Send the log back to its author with `reason`. A `comment` (批示) written beside it
    goes with it: it may answer the AM's request for a joint visit."""
    _require_sign_off_right(actor, log)
    if not reason.strip():
        raise ValidationError(_("Say why the log goes back, so it can be corrected."))
    _require_author_still_here(
        log,
        _(
            "%(name)s has left and can no longer correct this log, so it cannot go back to "
            "them. Sign it off instead; your comment can say what is wrong."
        ),
    )
    said = "\n\n".join(text for text in (reason, comment) if text)
    log = _transition(
        log,
        actor=actor,
        expected=[LogStatus.SUBMITTED],
        to_status=LogStatus.RETURNED,
        action=LogEvent.Action.RETURNED,
        comment=said,
        return_reason=reason,
        manager_comment=comment,
    )
    _help_requests_answered(log)
    _tell_author(
        log,
        NotificationKind.LOG_RETURNED,
        stored_text(
            gettext_noop("%(name)s returned your log of %(day)s"),
            {"name": actor.name, "day": log.date},
        ),
        said,
    )
    return log


@transaction.atomic
def daily_log_reopen(*, log: DailyLog, actor: User, reason: str) -> DailyLog:
    """Unlock a signed-off log for correction; it goes back to the author as returned."""
    _require_sign_off_right(actor, log)
    if not reason.strip():
        raise ValidationError(_("Say why the signed-off log is reopened."))
    _require_author_still_here(
        log,
        _(
            "%(name)s has left and can no longer correct this log, so it stays signed "
            "off and cannot be reopened."
        ),
    )
    log = _transition(
        log,
        actor=actor,
        expected=[LogStatus.SIGNED_OFF],
        to_status=LogStatus.RETURNED,
        action=LogEvent.Action.REOPENED,
        comment=reason,
        return_reason=reason,
        # The sign-off's comment stays in the history; shown beside the reopening it read
        # as the comment given with the return (QA).
        manager_comment="",
        signed_off_by=None,
        signed_off_at=None,
    )
    _tell_author(
        log,
        NotificationKind.LOG_RETURNED,
        stored_text(
            gettext_noop("%(name)s reopened your log of %(day)s"),
            {"name": actor.name, "day": log.date},
        ),
        reason,
    )
    return log


@dataclass
class BulkSignOff:
    """What a bulk sign-off did with each ticked log."""

    signed: list[DailyLog] = field(default_factory=list)
    # Left in the queue: they ask the manager for something, to be read and answered.
    asking_for_help: list[DailyLog] = field(default_factory=list)
    # Signed off or returned meanwhile (another tab, another device).
    not_waiting: list[DailyLog] = field(default_factory=list)


@transaction.atomic
def daily_logs_sign_off(*, logs: Iterable[DailyLog], actor: User, comment: str = "") -> BulkSignOff:
    """Sign off several logs from the queue, each with its own audit entry, as
    `daily_log_sign_off` signs one, in a number of queries that does not grow with the
    logs (one at a time, 76 logs were 688 queries and 0.9 s).

    A log that asks the manager for a joint visit or support is never signed unread with
    a comment for all: it stays waiting until opened. One handled meanwhile is skipped;
    the others are still signed, as the manager asked.
    """
    logs = list(logs)
    if not org.can_sign_off_all(actor, logs):
        raise PermissionDenied(_("Only the regional manager of this log's region may do that."))
    result = BulkSignOff()
    # The logs still waiting, read again and locked until the end: what another tab or
    # manager did meanwhile is seen, and one racing this waits, then finds them signed.
    waiting = {
        log.pk: log
        for log in DailyLog.objects.select_for_update(of=("self",))
        .filter(pk__in=[log.pk for log in logs], status=LogStatus.SUBMITTED)
        .select_related("author")
    }
    for log in logs:
        now = waiting.get(log.pk)
        if log.status != LogStatus.SUBMITTED or now is None:
            result.not_waiting.append(log)
        elif now.asks_for_help:
            result.asking_for_help.append(log)
        else:
            result.signed.append(now)
    if not result.signed:
        return result
    ids = [log.pk for log in result.signed]
    updates = {
        "status": LogStatus.SIGNED_OFF,
        "updated_at": timezone.now(),
        **_sign_off_updates(actor, comment),
    }
    moved = DailyLog.objects.filter(pk__in=ids, status=LogStatus.SUBMITTED).update(**updates)
    if moved != len(ids):  # locked above, so none can have moved since: never let it pass
        raise LogTransitionError(_("Some of these logs changed meanwhile; reload the queue."))
    _record(
        ids,
        actor=actor,
        action=LogEvent.Action.SIGNED_OFF,
        from_status=LogStatus.SUBMITTED,
        to_status=LogStatus.SIGNED_OFF,
        comment=comment,
    )
    for log in result.signed:
        for name, value in updates.items():
            setattr(log, name, value)
    if comment:
        notify_all([_signed_off_notice(log, actor, comment) for log in result.signed])
    return result
