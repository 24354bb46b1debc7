"""Writes in planning: targets (with revisions), goal sheets, weekly reviews, tracked items.

Status changes are conditional UPDATEs on the expected status, so two clicks or two
managers produce one winner; the loser gets `SheetTransitionError`.
"""

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import selectors as org
from accounts.models import Region, RegionMembership, User
from accounts.services import user_lock
from activity.models import Metric, Notification, NotificationKind
from activity.reminders import (
    notify,
    notify_once,
    source_of,
    stored_joined,
    stored_text,
    stored_truncated,
)

from . import periods
from .models import (
    CalendarOverride,
    ItemStatus,
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PeriodKind,
    PlannedVisit,
    ReviewStatus,
    SheetStatus,
    Target,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)
from .selectors import (
    NotHandedIn,
    am_sheet,
    branch_settings,
    can_review,
    item_manager_to_tell,
    may_manage_item,
    region_during,
    review_deadline,
    review_owed,
)

# target_set's default: a target keeps the days it covered.
KEEP = object()


class SheetTransitionError(Exception):
    """The sheet is no longer in the state this action needs (someone else acted first)."""


class SheetChangedError(SheetTransitionError):
    """The AM's post comes from a page opened before another tab or phone saved or
    submitted the sheet: nothing was saved, and what she typed is to be shown back,
    with the sheet's `revision` now (saving that page again then replaces the save)."""

    def __init__(self, message: str, *, revision: int):
        super().__init__(message)
        self.revision = revision


def _stale_post(sheet, *, opened_revision: int | None, submit: bool, holds) -> bool:
    """Whether a post to `sheet` (None: none saved yet) must not be saved: the sheet was
    handed in meanwhile, or saved since the page was opened (`opened_revision`; None
    from a page without one). A post carrying exactly what the sheet holds, in the state
    it asked for, is the first of two taps or a retried request: it did its work.
    Raises `SheetChangedError` for a real conflict; True for a repeat, to return as is."""
    if sheet is None:
        return False
    handed_in = sheet.status != SheetStatus.DRAFT  # a review's draft is "draft" too
    if not handed_in and opened_revision in (None, sheet.revision):
        return False
    if handed_in == submit and holds():
        return True
    raise SheetChangedError(
        _(
            "This sheet was submitted from another page or phone after you opened this "
            "one, so what you typed here was not saved. It is shown below: copy what you "
            "need."
        )
        if handed_in
        else _(
            "This sheet was saved from another page or phone after you opened this one, "
            "so what you typed here was not saved yet. Check it below: saving again "
            "replaces the other save with it."
        ),
        revision=sheet.revision,
    )


# --- targets ---------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    actor: User,
    metric_id: int,
    kind: str,
    start: datetime.date,
    value: int,
    reason: str,
    user: User | None = None,
    region: Region | None = None,
    rollup: bool = True,
    covers_from=KEEP,
) -> tuple[Target, bool]:
    """Set one target; a changed value leaves a revision. Returns (target, changed).

    covers_from: the first day it covers when not the whole period (`Target.covers_from`);
    by default a new target covers the period and a changed one what it covered.

    A change reaches the weekly roll-ups of the closed weeks it counts in
    (`targets_changed`); rollup=False for a caller that sets many and tells them once."""
    subject = {"user": user} if user is not None else {"region": region}
    target = (
        Target.objects.select_for_update()
        .filter(metric_id=metric_id, period_kind=kind, period_start=start, **subject)
        .first()
    )
    now = timezone.now()
    if target is None:
        target = Target.objects.create(
            metric_id=metric_id,
            period_kind=kind,
            period_start=start,
            value=value,
            covers_from=None if covers_from is KEEP else covers_from,
            updated_by=actor,
            updated_at=now,
            **subject,
        )
        TargetRevision.objects.create(
            target=target,
            old_value=None,
            new_value=value,
            reason=reason,
            reason_source=source_of(reason),
            changed_by=actor,
            changed_at=now,
        )
        if rollup:
            targets_changed(targets=[target])
        return target, True
    if covers_from is not KEEP and target.covers_from != covers_from:
        # The same number for other days is another target: the roll-ups count it again.
        target.covers_from = covers_from
        target.save(update_fields=["covers_from"])
        if target.value == value:
            if rollup:
                targets_changed(targets=[target])
            return target, True
    if target.value == value:
        return target, False
    TargetRevision.objects.create(
        target=target,
        old_value=target.value,
        new_value=value,
        reason=reason,
        reason_source=source_of(reason),
        changed_by=actor,
        changed_at=now,
    )
    target.value, target.updated_by, target.updated_at = value, actor, now
    target.save(update_fields=["value", "updated_by", "updated_at"])
    if rollup:
        targets_changed(targets=[target])
    return target, True


def targets_changed(*, targets: Iterable[Target]) -> None:
    """What was computed and kept from these targets counted them as they were: the
    weekly roll-ups of the weeks they count in are computed again."""
    # Imported here: reports builds on planning, not the other way round.
    from reports.services import rollup_after_target_change

    rollup_after_target_change(targets=targets)


@transaction.atomic
def breakdown_save(
    *,
    actor: User,
    metric: Metric,
    year: int,
    values: Mapping[periods.Key, int | None],
    reason: str,
    user: User | None = None,
    region: Region | None = None,
) -> int:
    """Save a year's cascade for one metric. Refuses totals that do not reconcile, and
    changes to existing targets without a reason. Returns the number of cells changed."""
    mismatches = periods.reconcile(year, values)
    if mismatches:
        raise ValidationError(_("The totals do not reconcile; correct the marked cells."))
    subject = {"user": user} if user is not None else {"region": region}
    existing = {
        (kind, start): value
        for kind, start, value in Target.objects.filter(
            metric=metric,
            period_start__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            **subject,
        ).values_list("period_kind", "period_start", "value")
    }
    revising = any(
        key in existing and value is not None and existing[key] != value
        for key, value in values.items()
    )
    if revising and not reason.strip():
        raise ValidationError(_("Give a reason for changing targets that were already set."))
    subject_key = ("user", user.pk) if user is not None else ("region", region.pk)
    return targets_set_many(
        actor=actor,
        values={
            (*subject_key, metric.pk, kind, start): value
            for (kind, start), value in values.items()
            if value is not None
        },
        reason=reason.strip() or stored_text(gettext_noop("Breakdown of the annual target"), {}),
    )


# (“user” or “region”, its id, metric id, period kind, period start)
CellKey = tuple[str, int, int, str, datetime.date]


@dataclass(frozen=True)
class ChangedTarget:
    """What the roll-ups need of a changed target (`targets_changed`), without a model
    instance per cell: the import changes some 700,000."""

    user_id: int | None
    region_id: int | None
    period_kind: str
    period_start: datetime.date


@transaction.atomic
def targets_set_many(*, actor: User, values: Mapping[CellKey, int], reason: str) -> int:
    """`target_set` of many cells in a fixed number of queries, whatever their number (a
    year's cascade, or a whole branch's from the target import): each changed value
    leaves a revision with `reason`, the roll-ups are told once. Returns the number of
    cells changed."""
    if not values:
        return 0
    user_ids = {subject_id for field, subject_id, *_rest in values if field == "user"}
    region_ids = {subject_id for field, subject_id, *_rest in values if field == "region"}
    starts = [key[4] for key in values]
    existing = {
        ("user" if user_id else "region", user_id or region_id, metric_id, kind, start): (pk, value)
        for pk, user_id, region_id, metric_id, kind, start, value in Target.objects.select_for_update()
        .filter(
            Q(user_id__in=user_ids) | Q(region_id__in=region_ids),
            metric_id__in={key[2] for key in values},
            period_start__range=(min(starts), max(starts)),
        )
        .values_list(
            "pk", "user_id", "region_id", "metric_id", "period_kind", "period_start", "value"
        )
    }
    created, updated = [], []  # keys; (key, pk, old value)
    for key, value in values.items():
        found = existing.get(key)
        if found is None:
            created.append(key)
        elif found[1] != value:
            updated.append((key, *found))
    now = timezone.now()
    write = _TargetWriter(actor=actor, now=now)
    new_pks = write.create([(key, values[key]) for key in created])
    write.update([(pk, values[key]) for key, pk, _old in updated])
    write.revisions(
        [(pk, None, values[key]) for key, pk in zip(created, new_pks, strict=True)]
        + [(pk, old, values[key]) for key, pk, old in updated],
        reason=reason,
    )
    targets_changed(
        targets=[
            ChangedTarget(
                user_id=subject_id if field == "user" else None,
                region_id=subject_id if field == "region" else None,
                period_kind=kind,
                period_start=start,
            )
            for field, subject_id, _metric, kind, start in [*created, *(u[0] for u in updated)]
        ]
    )
    return len(created) + len(updated)


class _TargetWriter:
    """Writes targets and revisions in batches: on PostgreSQL one INSERT ... unnest() per
    batch of arrays, as Django's bulk_create spent ~80 µs a row building models and SQL
    (a branch's import: 700,000 targets and as many revisions took 8 minutes); the ORM
    elsewhere (SQLite, the zero-setup demo)."""

    BATCH = 20_000

    def __init__(self, *, actor: User, now: datetime.datetime):
        self.actor, self.now = actor, now
        self.fast = connection.vendor == "postgresql"

    def _batches(self, rows):
        for at in range(0, len(rows), self.BATCH):
            yield rows[at : at + self.BATCH]

    def create(self, rows) -> list[int]:
        """rows: (cell key, value); returns their new pks, in order."""
        if not self.fast:
            targets = [
                Target(
                    metric_id=metric_id,
                    period_kind=kind,
                    period_start=start,
                    value=value,
                    updated_by=self.actor,
                    updated_at=self.now,
                    **{f"{field}_id": subject_id},
                )
                for (field, subject_id, metric_id, kind, start), value in rows
            ]
            Target.objects.bulk_create(targets, batch_size=2000)
            return [t.pk for t in targets]
        pks = []
        with connection.cursor() as cursor:
            for batch in self._batches(rows):
                cursor.execute(
                    "INSERT INTO planning_target (user_id, region_id, metric_id, "
                    "period_kind, period_start, value, updated_by_id, updated_at) "
                    "SELECT u, r, m, k, s, v, %s, %s FROM unnest(%s::int[], %s::int[], "
                    "%s::int[], %s::varchar[], %s::date[], %s::int[]) "
                    "WITH ORDINALITY AS t(u, r, m, k, s, v, n) ORDER BY n RETURNING id",
                    [
                        self.actor.pk,
                        self.now,
                        [key[1] if key[0] == "user" else None for key, _v in batch],
                        [key[1] if key[0] == "region" else None for key, _v in batch],
                        [key[2] for key, _v in batch],
                        [key[3] for key, _v in batch],
                        [key[4] for key, _v in batch],
                        [value for _key, value in batch],
                    ],
                )
                pks += [row[0] for row in cursor.fetchall()]
        return pks

    def update(self, rows) -> None:
        """rows: (pk, new value)."""
        if not self.fast:
            Target.objects.bulk_update(
                [
                    Target(pk=pk, value=value, updated_by=self.actor, updated_at=self.now)
                    for pk, value in rows
                ],
                ["value", "updated_by", "updated_at"],
                batch_size=2000,
            )
            return
        with connection.cursor() as cursor:
            for batch in self._batches(rows):
                cursor.execute(
                    "UPDATE planning_target AS t SET value = c.v, "
                    "updated_by_id = %s, updated_at = %s "
                    "FROM unnest(%s::int[], %s::int[]) AS c(id, v) WHERE t.id = c.id",
                    [self.actor.pk, self.now, [r[0] for r in batch], [r[1] for r in batch]],
                )

    def revisions(self, rows, *, reason: str) -> None:
        """rows: (target pk, old value or None, new value)."""
        source = source_of(reason)
        if not self.fast:
            TargetRevision.objects.bulk_create(
                [
                    TargetRevision(
                        target_id=pk,
                        old_value=old,
                        new_value=new,
                        reason=reason,
                        reason_source=source,
                        changed_by=self.actor,
                        changed_at=self.now,
                    )
                    for pk, old, new in rows
                ],
                batch_size=2000,
            )
            return
        with connection.cursor() as cursor:
            for batch in self._batches(rows):
                cursor.execute(
                    "INSERT INTO planning_targetrevision (target_id, old_value, "
                    "new_value, reason, reason_source, changed_by_id, changed_at) "
                    "SELECT t, o, v, %s, %s::jsonb, %s, %s "
                    "FROM unnest(%s::int[], %s::int[], %s::int[]) AS c(t, o, v)",
                    [
                        str(reason),
                        json.dumps(source),
                        self.actor.pk,
                        self.now,
                        [r[0] for r in batch],
                        [r[1] for r in batch],
                        [r[2] for r in batch],
                    ],
                )


@transaction.atomic
def month_targets_set(
    *, actor: User, user: User, month: datetime.date, values: Mapping[int, int], reason: str
) -> int:
    """Set an AM's targets for a month; changing a value already set needs a reason."""
    current = dict(
        Target.objects.filter(
            user=user, period_kind=PeriodKind.MONTH, period_start=month
        ).values_list("metric_id", "value")
    )
    if not reason.strip() and any(m in current and current[m] != v for m, v in values.items()):
        raise ValidationError(
            {"reason": _("Give a reason for changing targets that were already set.")}
        )
    changed = []
    for metric_id, value in values.items():
        target, did_change = target_set(
            actor=actor,
            user=user,
            metric_id=metric_id,
            kind=PeriodKind.MONTH,
            start=month,
            value=value,
            reason=reason.strip() or stored_text(gettext_noop("Monthly target set"), {}),
            rollup=False,
        )
        if did_change:
            changed.append(target)
    targets_changed(targets=changed)
    return len(changed)


# --- monthly goal sheet ------------------------------------------------------------


def _region_of(author: User, kind: str, start: datetime.date) -> Region:
    """The region the author was in during the period: a sheet of a period spent in no
    region has no RM to agree it, and today's region was not theirs then."""
    region = region_during(author, start, periods.period_end(kind, start))
    if region is None:
        raise PermissionDenied(_("Only account managers in a region keep goal sheets."))
    return region


@transaction.atomic
def monthly_sheet_save(
    *,
    author: User,
    month: datetime.date,
    proposed: Mapping[int, int],
    focus_items: str,
    submit: bool,
    opened_revision: int | None = None,
) -> MonthlyGoalSheet:
    """Save the AM's draft or submit it. `opened_revision`: the sheet's revision when
    the page posting was opened (see `_stale_post`)."""
    user_lock(user=author)  # a double tap on a sheet not saved yet made two
    sheet = MonthlyGoalSheet.objects.select_for_update().filter(author=author, month=month).first()

    def holds() -> bool:
        lines = dict(sheet.lines.values_list("metric_id", "proposed"))
        return sheet.focus_items == focus_items and all(
            lines.get(metric_id) == value for metric_id, value in proposed.items()
        )

    if _stale_post(sheet, opened_revision=opened_revision, submit=submit, holds=holds):
        return sheet
    if sheet is None:
        sheet = MonthlyGoalSheet.objects.create(
            author=author, month=month, region=_region_of(author, PeriodKind.MONTH, month)
        )
    sheet.focus_items = focus_items
    if submit:
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, timezone.now()
    sheet.save()
    for metric_id, value in proposed.items():
        MonthlyGoalLine.objects.update_or_create(
            sheet=sheet, metric_id=metric_id, defaults={"proposed": value}
        )
    return sheet


@transaction.atomic
def monthly_sheet_agree(
    *,
    sheet: MonthlyGoalSheet,
    actor: User,
    agreed: Mapping[int, int],
    comment: str,
    opened_revision: int | None = None,
) -> MonthlyGoalSheet:
    """The RM agrees the sheet, possibly adjusted; the agreed numbers become the AM's
    monthly targets (with a revision naming the sheet). `opened_revision`: the sheet's
    revision when the RM's page was opened. A page opened before the AM changed and
    handed it in again (reopened meanwhile) would agree figures typed beside her old
    proposal, overriding the change she asked for unseen: it is shown back instead."""
    if opened_revision is not None:
        now_held = MonthlyGoalSheet.objects.select_for_update().get(pk=sheet.pk)
        if now_held.status == SheetStatus.SUBMITTED and now_held.revision != opened_revision:
            raise SheetChangedError(
                _(
                    "%(name)s changed this sheet and submitted it again after you opened "
                    "this page, so nothing was agreed. Check the figures proposed now, then "
                    "agree again."
                )
                % {"name": sheet.author.name},
                revision=now_held.revision,
            )
    now = timezone.now()
    won = MonthlyGoalSheet.objects.filter(pk=sheet.pk, status=SheetStatus.SUBMITTED).update(
        status=SheetStatus.AGREED, agreed_by=actor, agreed_at=now, manager_comment=comment
    )
    if won != 1:
        raise SheetTransitionError(_("This sheet is not waiting for agreement any more."))
    proposed = dict(sheet.lines.values_list("metric_id", "proposed"))
    reason = stored_text(
        gettext_noop("Agreed monthly goal sheet %(month)s"),
        {"month": sheet.month.strftime("%Y-%m")},
    )
    changed = []
    covers_from = _joined_in(sheet.author, sheet.month)
    for metric_id, value in agreed.items():
        MonthlyGoalLine.objects.update_or_create(
            sheet=sheet,
            metric_id=metric_id,
            defaults={"agreed": value},
            create_defaults={"proposed": value, "agreed": value},
        )
        target, did_change = target_set(
            actor=actor,
            user=sheet.author,
            metric_id=metric_id,
            kind=PeriodKind.MONTH,
            start=sheet.month,
            value=value,
            reason=reason,
            rollup=False,
            covers_from=covers_from,
        )
        if did_change:
            changed.append(target)
    targets_changed(targets=changed)
    # After the conditional update: a second click lost above and tells no one twice.
    # The AM learns which of their numbers the RM changed (拜访 138 → 150).
    changes = [
        f"{metric.name} {proposed[metric.pk]} → {agreed[metric.pk]}"
        for metric in Metric.objects.filter(pk__in=list(agreed)).order_by("order", "pk")
        if proposed.get(metric.pk) is not None and proposed[metric.pk] != agreed[metric.pk]
    ]
    notify(
        kind=NotificationKind.MONTHLY_AGREED,
        recipient=sheet.author,
        title=stored_text(
            gettext_noop("%(name)s agreed your goal sheet of %(month)s"),
            {"name": actor.name, "month": sheet.month.strftime("%Y-%m")},
        ),
        body="\n".join([*changes, comment]).strip(),
        url=reverse("planning:monthly_detail", kwargs={"pk": sheet.pk}),
    )
    sheet.refresh_from_db()
    return sheet


def _joined_in(author: User, month: datetime.date) -> datetime.date | None:
    """The day an AM who joined during the month started in a region, else None. Her
    sheet is written for the days she has, so its targets cover them whole: pro rated
    by her share of the month again, 20 visits from the 16th counted as 10. A mover
    was in a region on the 1st: her sheet is the month's, split between her regions."""
    first = (
        RegionMembership.objects.overlapping(month, periods.period_end(PeriodKind.MONTH, month))
        .filter(user=author)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    return first if first is not None and first > month else None


def _month_not_over(sheet: MonthlyGoalSheet, message: str) -> None:
    if periods.period_end(PeriodKind.MONTH, sheet.month) < timezone.localdate():
        raise ValidationError(message)


def _tell_of_sheet(
    sheet: MonthlyGoalSheet, *, kind: str, recipient: User, message: str, by: User, reason: str
) -> None:
    """A notice about a goal-sheet change: `message` names who (`by`) and the month; the
    body is the reason given. It opens the sheet, or its edit page once it is a draft."""
    url = (
        reverse("planning:monthly_edit", kwargs={"month": sheet.month})
        if sheet.status == SheetStatus.DRAFT
        else reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
    )
    notify(
        kind=kind,
        recipient=recipient,
        title=stored_text(message, {"name": by.name, "month": sheet.month.strftime("%Y-%m")}),
        body=reason,
        url=url,
    )


@transaction.atomic
def monthly_sheet_request_change(
    *, sheet: MonthlyGoalSheet, author: User, reason: str
) -> MonthlyGoalSheet:
    """The AM asks her RM to change an agreed sheet (a key customer moved away, a week in
    hospital: goals are revised when the situation changes, with a reason). Only the RM
    changes targets: the request tells them, and they reopen the sheet or keep it."""
    if sheet.author_id != author.pk:
        raise PermissionDenied(_("Only the author of a goal sheet asks for it to be changed."))
    if not reason.strip():
        raise ValidationError(_("Say what should change and why."))
    _month_not_over(sheet, _("The month is over: its targets stay as agreed."))
    won = MonthlyGoalSheet.objects.filter(
        pk=sheet.pk, status=SheetStatus.AGREED, change_requested_at__isnull=True
    ).update(change_request=reason, change_requested_at=timezone.now())
    if won != 1:
        raise SheetTransitionError(
            _("A change of this sheet was already asked for, or it is not agreed any more.")
        )
    # After the conditional update: a second click lost above and tells no one twice.
    sheet.refresh_from_db()
    signer = org.region_signer(sheet.region, author_id=author.pk)
    if signer is not None:
        _tell_of_sheet(
            sheet,
            kind=NotificationKind.MONTHLY_CHANGE_REQUESTED,
            recipient=signer,
            message=gettext_noop("%(name)s asks to change their goal sheet of %(month)s"),
            by=author,
            reason=reason,
        )
    return sheet


def _require_reviewer(actor: User, sheet: MonthlyGoalSheet) -> None:
    if not can_review(actor, sheet):
        raise PermissionDenied(_("Only the regional manager of this sheet's region agrees it."))


@transaction.atomic
def monthly_sheet_reopen(*, sheet: MonthlyGoalSheet, actor: User, reason: str) -> MonthlyGoalSheet:
    """The RM hands an agreed sheet back to its author to change: a draft again, starting
    from the agreed figures. The month's targets stay as agreed until the changed sheet
    is agreed (which revises them, with the history)."""
    _require_reviewer(actor, sheet)
    if not reason.strip():
        raise ValidationError(_("Say why the sheet is reopened."))
    _month_not_over(sheet, _("The month is over: its targets stay as agreed."))
    won = MonthlyGoalSheet.objects.filter(pk=sheet.pk, status=SheetStatus.AGREED).update(
        status=SheetStatus.DRAFT,
        manager_comment=reason,
        agreed_by=None,
        agreed_at=None,
        change_request="",
        change_requested_at=None,
    )
    if won != 1:
        raise SheetTransitionError(_("This sheet is not agreed any more."))
    MonthlyGoalLine.objects.filter(sheet=sheet, agreed__isnull=False).update(proposed=F("agreed"))
    sheet.refresh_from_db()
    _tell_of_sheet(
        sheet,
        kind=NotificationKind.MONTHLY_REOPENED,
        recipient=sheet.author,
        message=gettext_noop(
            "%(name)s reopened your goal sheet of %(month)s: change it and submit it again"
        ),
        by=actor,
        reason=reason,
    )
    return sheet


@transaction.atomic
def monthly_sheet_keep(*, sheet: MonthlyGoalSheet, actor: User, reason: str) -> MonthlyGoalSheet:
    """The RM answers a request for a change by keeping the sheet as agreed, saying why."""
    _require_reviewer(actor, sheet)
    if not reason.strip():
        raise ValidationError(_("Say why the sheet stays as agreed."))
    won = MonthlyGoalSheet.objects.filter(
        pk=sheet.pk, status=SheetStatus.AGREED, change_requested_at__isnull=False
    ).update(change_request="", change_requested_at=None)
    if won != 1:
        raise SheetTransitionError(_("No change of this sheet is waiting for an answer."))
    sheet.refresh_from_db()
    _tell_of_sheet(
        sheet,
        kind=NotificationKind.MONTHLY_REOPENED,
        recipient=sheet.author,
        message=gettext_noop("%(name)s keeps your goal sheet of %(month)s as agreed"),
        by=actor,
        reason=reason,
    )
    return sheet


# --- weekly review ---------------------------------------------------------------


@dataclass
class ReviewLineInput:
    metric_id: int
    cause: str = ""
    countermeasure: str = ""
    next_week_target: int | None = None


@transaction.atomic
def weekly_review_save(
    *,
    author: User,
    week: datetime.date,
    fields: Mapping,
    lines: Iterable[ReviewLineInput],
    planned_visits: Iterable[tuple[int | None, str]],
    short_metric_ids: Iterable[int],
    submit: bool,
    opened_revision: int | None = None,
) -> WeeklyReview:
    """Save the draft or submit it. A submitted review must explain every shortfall.
    `opened_revision`: the review's revision when the page posting was opened (see
    `_stale_post`)."""
    lines = list(lines)
    planned_visits = list(planned_visits)
    if submit:
        errors = {
            str(line.metric_id): _("A metric below its target needs a cause and a countermeasure.")
            for line in lines
            if line.metric_id in set(short_metric_ids)
            and not (line.cause.strip() and line.countermeasure.strip())
        }
        if errors:
            raise ValidationError(errors)
    user_lock(user=author)  # a double tap on a review not saved yet made two
    review = WeeklyReview.objects.select_for_update().filter(author=author, week_start=week).first()

    def holds() -> bool:
        stored = {
            line.metric_id: (line.cause, line.countermeasure, line.next_week_target)
            for line in review.lines.all()
        }
        return (
            all(getattr(review, name) == value for name, value in fields.items())
            and all(
                stored.get(line.metric_id)
                == (line.cause, line.countermeasure, line.next_week_target)
                for line in lines
            )
            and list(review.planned_visits.order_by("pk").values_list("prospect_id", "customer"))
            == planned_visits
        )

    if _stale_post(review, opened_revision=opened_revision, submit=submit, holds=holds):
        return review
    if review is None:
        review = WeeklyReview(
            author=author, week_start=week, region=_region_of(author, PeriodKind.WEEK, week)
        )
    for name, value in fields.items():
        setattr(review, name, value)
    snapshot = {}
    if submit:
        now = timezone.now()
        branch_id = review.region.branch_id
        deadline = review_deadline(branch_settings(branch_id), week)
        review.status, review.submitted_at = ReviewStatus.SUBMITTED, now
        # A week off owed no review, so one written for it is never late.
        review.is_late = now > deadline and review_owed(branch_id, week)
        sheet = am_sheet(author, review.region, PeriodKind.WEEK, week)
        snapshot = {line.metric.pk: (line.target, line.actual) for line in sheet.lines}
    review.save()
    for line in lines:
        target, actual = snapshot.get(line.metric_id, (None, None))
        WeeklyReviewLine.objects.update_or_create(
            review=review,
            metric_id=line.metric_id,
            defaults={
                "cause": line.cause,
                "countermeasure": line.countermeasure,
                "next_week_target": line.next_week_target,
                "target_at_submit": target,
                "actual_at_submit": actual,
            },
        )
    review.planned_visits.all().delete()
    PlannedVisit.objects.bulk_create(
        PlannedVisit(review=review, prospect_id=prospect_id, customer=customer)
        for prospect_id, customer in planned_visits
    )
    return review


@transaction.atomic
def weekly_review_review(*, review: WeeklyReview, actor: User, coaching_note: str) -> WeeklyReview:
    """The RM reviews the sheet with a coaching note; next week's targets in the plan
    become the AM's weekly targets, unless that week is over by now: a review handed in
    or read late would rewrite a finished week's target after the fact (QA: 直属 went
    from "—" to 590 %). `next_week_targets_applied` on the result says which it was."""
    won = WeeklyReview.objects.filter(pk=review.pk, status=ReviewStatus.SUBMITTED).update(
        status=ReviewStatus.REVIEWED,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        coaching_note=coaching_note,
    )
    if won != 1:
        raise SheetTransitionError(_("This review is not waiting for review any more."))
    # After the conditional update: a second click lost above and tells no one twice.
    notify(
        kind=NotificationKind.WEEKLY_REVIEWED,
        recipient=review.author,
        title=stored_text(
            gettext_noop("%(name)s reviewed your weekly review of %(week)s"),
            {"name": actor.name, "week": review.week_start.isoformat()},
        ),
        body=coaching_note,
        url=reverse("planning:weekly_detail", kwargs={"pk": review.pk}),
    )
    next_week = review.week_start + datetime.timedelta(weeks=1)
    review.refresh_from_db()
    review.next_week_targets_applied = (
        next_week + datetime.timedelta(days=6) >= timezone.localdate()
    )
    if not review.next_week_targets_applied:
        return review
    reason = stored_text(
        gettext_noop("Weekly plan reviewed %(week)s"), {"week": review.week_start.isoformat()}
    )
    changed = []
    for line in review.lines.exclude(next_week_target__isnull=True):
        target, did_change = target_set(
            actor=actor,
            user=review.author,
            metric_id=line.metric_id,
            kind=PeriodKind.WEEK,
            start=next_week,
            value=line.next_week_target,
            reason=reason,
            rollup=False,
        )
        if did_change:
            changed.append(target)
    targets_changed(targets=changed)
    return review


# --- tracked items ---------------------------------------------------------------

# Two posts of the same "new item" form this close together are a double click, not
# two errands.
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(minutes=1)
NOTIFICATION_TITLE_LENGTH = Notification._meta.get_field("title").max_length


def check_due_date(due_date: datetime.date, *, unchanged_from: datetime.date | None = None):
    """A due date is today or later, except one left as it was: an overdue item keeps
    its date while its title is corrected."""
    if due_date < timezone.localdate() and due_date != unchanged_from:
        raise ValidationError(
            _("The due date is before today; choose today or a later day."), code="past"
        )


def _due_date_checked(due_date: datetime.date, **kwargs) -> None:
    try:
        check_due_date(due_date, **kwargs)
    except ValidationError as error:
        raise ValidationError({"due_date": error.messages}) from None


def _tell_about_item(item: TrackedItem, *, kind: str, recipient: User, title: str, body: str):
    notify(
        kind=kind,
        recipient=recipient,
        # The item's title alone may fill the notification's title.
        title=stored_truncated(title, NOTIFICATION_TITLE_LENGTH),
        body=body,
        url=reverse("planning:item_detail", kwargs={"pk": item.pk}),
    )


@transaction.atomic
def tracked_items_create(
    *,
    assigner: User,
    assignees: Iterable[User],
    title: str,
    details: str,
    due_date: datetime.date,
    is_key: bool,
) -> list[TrackedItem]:
    """One item per assignee, so each is followed up and closed on its own; each
    assignee other than the assigner is notified."""
    _due_date_checked(due_date)
    # A double click finds the items the first click made and hands nothing down (or
    # notifies) twice.
    user_lock(user=assigner)
    already = set(
        TrackedItem.objects.filter(
            assigner=assigner,
            title=title,
            due_date=due_date,
            created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
        )
        .exclude(status__in=TrackedItem.CLOSED)
        .values_list("assignee_id", flat=True)
    )
    items = []
    for assignee in assignees:
        if assignee.pk in already:
            continue
        item = TrackedItem(
            assigner=assigner,
            assignee=assignee,
            title=title,
            details=details,
            due_date=due_date,
            is_key=is_key or assignee.pk == assigner.pk,
        )
        item.full_clean()
        item.save()
        TrackedItemNote.objects.create(
            item=item, author=assigner, note=details, to_status=ItemStatus.OPEN
        )
        if assignee.pk != assigner.pk:
            _tell_about_item(
                item,
                kind=NotificationKind.ITEM_ASSIGNED,
                recipient=assignee,
                title=stored_text(
                    gettext_noop("%(name)s handed you an item: %(title)s"),
                    {"name": assigner.name, "title": title},
                ),
                body=stored_joined(
                    [
                        stored_text(gettext_noop("Due %(day)s"), {"day": due_date.isoformat()}),
                        *([details] if details else []),
                    ]
                ),
            )
        items.append(item)
    return items


def may_set_item_status(
    user: User, item: TrackedItem, status: str, *, manages: bool | None = None
) -> bool:
    """Whoever handed an item down tracks it to closure: only they cancel it, and once it
    is closed (done or cancelled) only they reopen it or close it the other way. The
    assignee reports "done" and may add notes to a closed item, but an item their
    manager closed stays closed. Self-assigned key items are their owner's throughout.
    Once the assigner has left, the assignee's line managers stand in (`may_manage_item`;
    `manages` says it already)."""
    if status == item.status:
        return True
    if manages is None:
        manages = may_manage_item(user, item)
    if manages:
        return True
    return status != ItemStatus.CANCELLED and item.status not in TrackedItem.CLOSED


def item_status_choices(user: User, item: TrackedItem) -> list[tuple[str, str]]:
    """The statuses `user` is offered on the item's form (the current one adds a note)."""
    manages = may_manage_item(user, item)  # one query, not one per status
    return [
        (value, label)
        for value, label in ItemStatus.choices
        if may_set_item_status(user, item, value, manages=manages)
    ]


def _just_posted(item: TrackedItem, *, actor: User, status: str, note: str) -> bool:
    """Whether the item's latest note is this very post, made moments ago by `actor`: the
    same note, with the item now at the status it asks for (set by it, or left as it was)."""
    last = item.notes.order_by("-created_at", "-pk").first()
    return (
        last is not None
        and last.author_id == actor.pk
        and last.note == note
        and last.created_at >= timezone.now() - DOUBLE_SUBMIT_WINDOW
        and last.to_status in ("", status)
        and TrackedItem.objects.filter(pk=item.pk, status=status).exists()
    )


@transaction.atomic
def tracked_item_update(*, item: TrackedItem, actor: User, status: str, note: str) -> TrackedItem:
    """A follow-up note and/or a status change. Handed-down items are the assigner's to
    track to closure: only they cancel one, the assignee closes one as done only with a
    note saying what was done, and the other side hears of every status change and every note."""
    if status not in ItemStatus.values:
        raise ValidationError(_("Unknown status."))
    # A second post of the same form (a retry on a slow network, after the first went
    # through) finds the first's note: nothing is written or told twice, and no "someone
    # changed this item" for the person who did. The lock queues twin posts.
    user_lock(user=actor)
    if _just_posted(item, actor=actor, status=status, note=note):
        item.refresh_from_db()
        return item
    old = item.status
    changing = status != old
    if not changing and not note.strip():
        raise ValidationError(_("Write a note or change the status."))
    if changing and not may_set_item_status(actor, item, status):
        raise PermissionDenied(
            _(
                "Only the person who handed this item down (once they have left or no "
                "longer manage the assignee, the assignee's manager) may cancel it."
            )
            if status == ItemStatus.CANCELLED
            else _(
                "This item is closed; only the person who handed it down (once they have "
                "left or no longer manage the assignee, the assignee's manager) may reopen "
                "it."
            )
        )
    handed_down = item.assignee_id != item.assigner_id
    if (
        changing
        and status == ItemStatus.DONE
        and handed_down
        and actor.pk == item.assignee_id
        and not note.strip()
    ):
        raise ValidationError(
            {
                "note": _("Say what was done: the note is how %(name)s learns the outcome.")
                % {"name": item.assigner.name}
            }
        )
    if changing:
        won = TrackedItem.objects.filter(pk=item.pk, status=old).update(status=status)
        if won != 1:
            raise SheetTransitionError(_("Someone changed this item meanwhile; reload it."))
    TrackedItemNote.objects.create(
        item=item,
        author=actor,
        note=note,
        from_status=old if changing else "",
        to_status=status if changing else "",
    )
    item.refresh_from_db()
    other = item.assignee if actor.pk != item.assignee_id else item_manager_to_tell(item)
    if handed_down and other is not None and other.pk != actor.pk:
        # A change, and the note with it, is told once as the change (only the winner of
        # the conditional update above gets here); a note alone is news as well: the
        # AM's "客户改到周四见" went unseen by the RM who handed the item down.
        _tell_about_item(
            item,
            kind=NotificationKind.ITEM_STATUS_CHANGED if changing else NotificationKind.ITEM_NOTE,
            recipient=other,
            title=stored_text(
                gettext_noop("%(name)s set “%(title)s” to %(status)s"),
                {"name": actor.name, "title": item.title, "status": ItemStatus(status).label},
            )
            if changing
            else stored_text(
                gettext_noop("%(name)s wrote a follow-up on “%(title)s”"),
                {"name": actor.name, "title": item.title},
            ),
            body=note,
        )
    return item


@transaction.atomic
def tracked_item_edit(
    *, item: TrackedItem, actor: User, title: str, details: str, due_date: datetime.date
) -> TrackedItem:
    """The assigner corrects an open item; the history keeps what it said before."""
    item = TrackedItem.objects.select_for_update().select_related("assigner").get(pk=item.pk)
    if not may_manage_item(actor, item):
        raise PermissionDenied(
            _(
                "Only the person who handed this item down (once they have left or no "
                "longer manage the assignee, the assignee's manager) may change it."
            )
        )
    if item.status in TrackedItem.CLOSED:
        raise ValidationError(_("This item is closed; re-open it before changing it."))
    _due_date_checked(due_date, unchanged_from=item.due_date)
    changes = []
    if title != item.title:
        changes.append(
            stored_text(gettext_noop("Title: %(old)s → %(new)s"), {"old": item.title, "new": title})
        )
    if due_date != item.due_date:
        changes.append(
            stored_text(
                gettext_noop("Due date: %(old)s → %(new)s"),
                {"old": item.due_date.isoformat(), "new": due_date.isoformat()},
            )
        )
    if details != item.details:
        changes.append(stored_text(gettext_noop("Details changed."), {}))
    if not changes:
        return item
    item.title, item.details, item.due_date = title, details, due_date
    item.full_clean()
    item.save(update_fields=["title", "details", "due_date"])
    TrackedItemNote.objects.create(item=item, author=actor, note="\n".join(changes))
    if item.assignee_id != actor.pk:
        # A due date moved earlier matters most: the assignee hears of every change.
        _tell_about_item(
            item,
            kind=NotificationKind.ITEM_CHANGED,
            recipient=item.assignee,
            title=stored_text(
                gettext_noop("%(name)s changed “%(title)s”"), {"name": actor.name, "title": title}
            ),
            body=stored_joined(changes),
        )
    return item


# A holiday with its 调休 spans at most a few weeks; a longer span is a typo.
CALENDAR_PERIOD_MAX_DAYS = 31


@transaction.atomic
def calendar_period_set(
    *,
    branch_ids: Iterable[int],
    first: datetime.date,
    last: datetime.date,
    is_working_day: bool,
    note: str = "",
) -> int:
    """Mark every day of [first, last] as a day off (or a working day) in these branches,
    replacing what was set for those days before: how an admin enters a year's public
    holidays before chinese-calendar carries them. Returns the number of days written."""
    if last < first:
        raise ValidationError(_("The last day is before the first."))
    days = (last - first).days + 1
    if days > CALENDAR_PERIOD_MAX_DAYS:
        raise ValidationError(
            _("At most %(max)d days at once.") % {"max": CALENDAR_PERIOD_MAX_DAYS}
        )
    branch_ids = list(branch_ids)
    CalendarOverride.objects.filter(branch_id__in=branch_ids, date__range=(first, last)).delete()
    CalendarOverride.objects.bulk_create(
        CalendarOverride(
            branch_id=branch_id,
            date=first + datetime.timedelta(days=offset),
            is_working_day=is_working_day,
            note=note,
        )
        for branch_id in branch_ids
        for offset in range(days)
    )
    calendar_changed(branch_ids=branch_ids, first=first, last=last)
    return days * len(branch_ids)


def calendar_changed(*, branch_ids: Iterable[int], first: datetime.date, last: datetime.date):
    """What was computed and kept over these days counted them as they were: the weekly
    roll-ups are computed again."""
    # Imported here: reports builds on planning, not the other way round.
    from reports.services import rollup_after_calendar_change

    rollup_after_calendar_change(branch_ids=branch_ids, first=first, last=last)


def not_handed_in_remind(*, missing: NotHandedIn, day: datetime.date) -> int:
    """Remind in the bell (and by e-mail where set up) each AM the RM's plans page lists
    as not having handed in a weekly review or goal sheet; the reminder opens the sheet to
    fill in. Once a day each (`notify_once`): a second click, or a second tab, sends
    nothing. Returns how many reminders went out."""
    sent = 0
    for people, kind, message, url, params in (
        (
            missing.without_review,
            NotificationKind.REVIEW_REMINDER,
            gettext_noop("Please hand in your weekly review of the week of %(week)s"),
            missing.week and reverse("planning:weekly_edit", kwargs={"week": missing.week}),
            {"week": missing.week},
        ),
        (
            missing.without_sheet,
            NotificationKind.SHEET_REMINDER,
            gettext_noop("Please hand in your goal sheet of %(month)s"),
            reverse("planning:monthly_edit", kwargs={"month": missing.month}),
            {"month": missing.month.strftime("%Y-%m")},
        ),
    ):
        for person in people:
            title = stored_text(message, params)
            if notify_once(kind=kind, day=day, recipient=person, title=title, url=url):
                sent += 1
    return sent
