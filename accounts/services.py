"""Writes to the org tree and staff."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Area, Branch, Region, RegionMembership, Role, User


def user_lock(*, user: User) -> None:
    """Queue this person's writes behind each other until the transaction ends (a row
    lock on them). Two posts of one form (a double tap on a slow network) that would each
    create the same record, finding none to lock, are serialised: the second finds the
    first's record instead of breaking on a unique constraint or making a twin."""
    User.objects.select_for_update().filter(pk=user.pk).exists()


@transaction.atomic
def membership_move(*, user: User, region: Region, start_date: datetime.date) -> RegionMembership:
    """Put `user` in `region` from `start_date`, closing their current membership the day before.

    Logs of days before `start_date` keep their region, so history stays put. A log of
    a day from `start_date` on goes with its author: its day is now the new region's,
    which counts their headcount, and its RM signs it off (QA's import moved an AM from
    today, after today's log went to the old queue). One signed off already goes too
    (a move entered on Friday from Wednesday): left behind, the new region's week grid
    showed its day as 未填 and the old region counted its numbers and on-time rate
    (150 %) against a headcount without that day. Whoever signed it still reads it.
    """
    # Nobody works in a region after its last day (summaries of later weeks do not list
    # it), and a membership has no end until someone moves them again. Read from the
    # database: an import holds the regions it loaded before an admin closed one.
    closed_on = Region.objects.filter(pk=region.pk).values_list("closed_on", flat=True).first()
    if closed_on is not None:
        raise ValidationError(
            _("%(region)s closed on %(date)s: choose a region that is open.")
            % {"region": region, "date": closed_on}
        )
    current = (
        RegionMembership.objects.select_for_update()
        .filter(user=user, end_date__isnull=True)
        .first()
    )
    if current is not None:
        if current.region_id == region.pk:
            return current
        if start_date < current.start_date:
            raise ValidationError(
                _("%(name)s is in %(region)s since %(date)s; a move must start after that.")
                % {"name": user.name, "region": current.region, "date": current.start_date}
            )
        if start_date == current.start_date:
            current.region = region
            current.save(update_fields=["region"])
            _pending_work_follows(user=user, region=region, start_date=start_date)
            return current
        current.end_date = start_date - datetime.timedelta(days=1)
        current.save(update_fields=["end_date"])
    elif RegionMembership.objects.filter(user=user, end_date__gte=start_date).exists():
        raise ValidationError(_("That start date overlaps an earlier membership."))
    membership = RegionMembership(user=user, region=region, start_date=start_date)
    membership.full_clean()
    membership.save()
    _pending_work_follows(user=user, region=region, start_date=start_date)
    return membership


def _pending_work_follows(*, user: User, region: Region, start_date: datetime.date) -> None:
    """The logs of the days from `start_date` on are filed under the region moved to, as
    the days themselves are (`_logs_follow`); goal sheets and weekly reviews of periods
    reaching the move that are not agreed or reviewed yet go there too, as new ones
    would (re-test QA saw the new RM told a sheet waited, with no way to agree it).

    So does an agreed goal sheet of a month not over yet: while its month runs it is
    changed only through its RM (the AM asks, the RM reopens it or keeps it), and that is
    the RM she works for now. Left in the old region, her request for a change went to
    the RM she had left, who reopened it and agreed her new targets for days in another
    region; next month's sheet, agreed on the 22nd before a move on the 25th, stayed with
    him for a whole month she never worked for him. Whoever agreed it is kept, and its
    old RM still reads it. A month that is over stays where it was agreed."""
    from planning import periods
    from planning.models import MonthlyGoalSheet, ReviewStatus, SheetStatus, WeeklyReview

    _logs_follow(user=user, region=region, start_date=start_date, end_date=None)
    sheets = MonthlyGoalSheet.objects.filter(
        author=user, month__gte=periods.month_start(start_date)
    ).exclude(region=region)
    sheets.exclude(status=SheetStatus.AGREED).update(region=region)
    sheets.filter(
        status=SheetStatus.AGREED, month__gte=periods.month_start(timezone.localdate())
    ).update(region=region)
    WeeklyReview.objects.filter(
        author=user, week_start__gte=periods.week_start(start_date)
    ).exclude(status=ReviewStatus.REVIEWED).exclude(region=region).update(region=region)


def _logs_follow(*, user: User, region: Region, start_date: datetime.date, end_date) -> None:
    """`user`'s logs of the days from `start_date` (to `end_date`, if any) are filed
    under `region`, whatever their status. The weekly snapshots of the regions they
    leave are out of date from now on, as the new region's are, and whoever signs a
    waiting one there hears of what it asks for (`help_requests_follow`)."""
    from activity.models import DailyLog
    from activity.services import help_requests_follow
    from reports.services import snapshots_logs_left

    logs = DailyLog.objects.filter(author=user, date__gte=start_date)
    if end_date is not None:
        logs = logs.filter(date__lte=end_date)
    leaving = logs.exclude(region=region)
    left = list(leaving.values_list("pk", "region_id", "date"))
    if left:
        leaving.update(region=region, updated_at=timezone.now())
        snapshots_logs_left(region_days=[(region_id, day) for _pk, region_id, day in left])
        help_requests_follow(log_ids=[pk for pk, _region_id, _day in left])


@transaction.atomic
def memberships_saved(*, user: User, memberships, before=None, removed=()) -> None:
    """The admin added or changed these memberships of `user` by hand (ending one and
    starting another is a move): each log of their days is filed under their region, and
    what waits for a manager goes to the current one's, as `membership_move` does (QA:
    the admin's move left the Wednesday log in the old region's queue and grid).

    `before`: membership id → (region id, start, end) as it was, for those changed;
    `removed`: memberships deleted. The weekly roll-ups of the days that changed hands
    are computed again (`reports.services.rollup_after_membership_change`)."""
    from reports.services import rollup_after_membership_change

    memberships = sorted(memberships, key=lambda m: m.start_date)
    for membership in memberships:
        _logs_follow(
            user=user,
            region=membership.region,
            start_date=membership.start_date,
            end_date=membership.end_date,
        )
    latest = RegionMembership.objects.filter(user=user).order_by("-start_date").first()
    if latest is not None and latest.end_date is None and latest in memberships:
        _pending_work_follows(user=user, region=latest.region, start_date=latest.start_date)
    rollup_after_membership_change(spans=_membership_spans(memberships, before or {}, removed))


def _membership_spans(memberships, before: dict, removed) -> list[tuple]:
    """(region id, first, last or None) of the days whose region these changes touched:
    a new or removed membership's days, a moved one's in both regions, and only the days
    between the old and the new date of a start or an end moved."""
    spans = [(m.region_id, m.start_date, m.end_date) for m in removed]
    for m in memberships:
        if m.pk not in before:
            spans.append((m.region_id, m.start_date, m.end_date))
            continue
        region_id, start, end = before[m.pk]
        if region_id != m.region_id:
            spans += [(region_id, start, end), (m.region_id, m.start_date, m.end_date)]
            continue
        if start != m.start_date:
            spans.append((region_id, min(start, m.start_date), max(start, m.start_date)))
        if end != m.end_date:
            ends = [e for e in (end, m.end_date) if e is not None]
            # From the earlier end on; an end removed (or set) reaches up to today.
            last = None if None in (end, m.end_date) else max(ends)
            spans.append((region_id, min(ends), last))
    return spans


def region_closing_check(*, region: Region, closed_on: datetime.date, today=None) -> None:
    """Raise ValidationError unless `region` may close with `closed_on` as its last day.

    Its account managers must have left by then (moved to another region, or their
    membership ended), so no page counts anyone in it afterwards. The day may not be
    in the future: closing ends the manager's post at once (`region_close`)."""
    today = today or timezone.localdate()
    if closed_on > today:
        raise ValidationError(
            _("A region closes on today or an earlier day; it was open until then.")
        )
    if region.created_on is not None and closed_on < region.created_on:
        raise ValidationError(
            _("%(region)s was created on %(date)s: it cannot close before that.")
            % {"region": region, "date": region.created_on}
        )
    staying = (
        RegionMembership.objects.filter(region=region)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=closed_on))
        .values("user")
        .distinct()
        .count()
    )
    if staying:
        raise ValidationError(
            ngettext(
                "%(count)d account manager is still a member of %(region)s after "
                "%(date)s. Move them to another region (or end their membership) first.",
                "%(count)d account managers are still members of %(region)s after "
                "%(date)s. Move them to another region (or end their memberships) first.",
                staying,
            )
            % {"count": staying, "region": region, "date": closed_on}
        )


@transaction.atomic
def region_close(*, region: Region, closed_on: datetime.date | None, today=None) -> Region:
    """Close `region` after `closed_on` (None: open it again).

    History stays: its logs, sheets and snapshots keep the region, and summaries of the
    periods it worked in still list it, its own targets counted for its open days. Its
    regional manager's post ends: a closed region has no manager, so what still waits in
    it (logs handed in, sheets to agree) goes to the next manager up
    (`accounts.selectors.regions_signed_off_by`). Opened again, it gets a manager the
    usual way."""
    from reports.services import rollup_after_membership_change

    locked = Region.objects.select_for_update().get(pk=region.pk)
    if closed_on is not None:
        region_closing_check(region=locked, closed_on=closed_on, today=today)
    # Its own targets count for its open days: the rolled-up week of its last day (the
    # old one and the new) reads them again.
    last_days = [day for day in (locked.closed_on, closed_on) if day is not None]
    if last_days:
        rollup_after_membership_change(spans=[(locked.pk, min(last_days), max(last_days))])
    fields = ["closed_on"]
    if closed_on is not None and locked.manager_id is not None:
        fields.append("manager")
    for instance in (locked, region):  # the caller's copy says it too
        instance.closed_on = closed_on
        if "manager" in fields:
            instance.manager = None
    locked.save(update_fields=fields)
    if "manager" in fields:
        region_managers_changed(region_ids=[locked.pk])
    return region


# The region a branch manages itself: its regional manager is whoever heads the branch.
DIRECT_REGION_NAME = "直属"


@transaction.atomic
def branch_head_changed(*, branch: Branch, old_head_id: int | None) -> None:
    """`branch`'s head was changed in the admin: its 直属, which the old head ran as the
    branch's own region, goes to the new head (nobody, when the post was left empty), as
    the staff import does. Left with the old head, who kept signing its logs and reading
    its customers' phone numbers while the new head could not sign a log of it. A 直属
    given an RM of its own keeps her."""
    direct = Region.objects.filter(
        branch=branch, name=DIRECT_REGION_NAME, closed_on__isnull=True
    ).filter(Q(manager_id=old_head_id) if old_head_id else Q(manager__isnull=True))
    region_ids = list(direct.values_list("pk", flat=True))
    Region.objects.filter(pk__in=region_ids).update(manager=branch.head_id)
    region_managers_changed(region_ids=region_ids)


def region_managers_changed(*, region_ids) -> None:
    """These regions were given another regional manager, or none (the admin, the staff
    import, a closing, a leaver, a new branch head): what their logs waiting for sign-off
    ask for (a joint visit) reaches whoever signs them now."""
    from activity.services import help_requests_of_regions_follow

    if region_ids:
        help_requests_of_regions_follow(region_ids=region_ids)


@transaction.atomic
def membership_end(*, user: User, end_date: datetime.date) -> None:
    RegionMembership.objects.filter(user=user, end_date__isnull=True).update(end_date=end_date)


@transaction.atomic
def user_role_changed(*, user: User, old_role: str, day: datetime.date | None = None) -> list[str]:
    """`user`'s role was changed in the admin.

    Someone who stopped being an account manager (promoted to RM, say) leaves their
    region after `day` (today), as the staff import does, so no page counts them as owing
    daily logs from then on (QA: an AM made RM of her region stayed in its week grid as
    未填 and in its headcount).

    Someone made an account manager or an admin gives up the regions, areas and branches
    they managed, as the import does for a row whose role holds no such post: an account
    manager manages nobody, and an admin reads every region but acts on nobody's logs. The
    posts are what opens a region's logs, sheets and customer phone numbers to a
    manager: a regional manager demoted here still read and signed her old region's
    logs. Returns the names of the posts given up. Their logs, sheets and history stay."""
    day = day or timezone.localdate()
    given_up = []
    if user.role in (Role.ACCOUNT_MANAGER, Role.ADMIN) and old_role != user.role:
        for model, field in ((Region, "manager"), (Area, "manager"), (Branch, "head")):
            held = model.objects.filter(**{field: user})
            given_up += [f"{model._meta.verbose_name} {unit}" for unit in held]
            held.update(**{field: None})
    if old_role == Role.ACCOUNT_MANAGER and user.role != Role.ACCOUNT_MANAGER:
        RegionMembership.objects.filter(
            user=user, end_date__isnull=True, start_date__gt=day
        ).delete()
        membership_end(user=user, end_date=day)
    return given_up


@transaction.atomic
def user_deactivate(*, user: User, day: datetime.date | None = None) -> None:
    """`user` leaves on `day` (today by default), by the staff import or the admin.

    Deactivated staff cannot log in; Django's ModelBackend also refuses their existing
    sessions on the next request, and all their data stays. They stop being a region
    member (see `_membership_end_on_leaving`) and give up the positions they held:
    someone who left manages no region, area or branch (QA saw a departed RM listed as
    the region's manager while nobody signed its logs), as the import already does for a
    row marked 离职. Their regions' logs then go to the next manager up
    (`accounts.selectors.regions_signed_off_by`). Safe to call again.
    """
    day = day or timezone.localdate()
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    _membership_end_on_leaving(user=user, day=day)
    managed = list(Region.objects.filter(manager=user).values_list("pk", flat=True))
    Region.objects.filter(pk__in=managed).update(manager=None)
    region_managers_changed(region_ids=managed)
    Area.objects.filter(manager=user).update(manager=None)
    Branch.objects.filter(head=user).update(head=None)


def _membership_end_on_leaving(*, user: User, day: datetime.date) -> None:
    """End the membership that covers `day`, the day `user` leaves (the import may have
    ended it there already). The day they leave is theirs only if they handed in its log:
    someone who leaves in the morning does not owe that day's log (QA saw 未填 and a 67 %
    on-time rate for it). A membership left with no day of its own goes."""
    from activity.models import DailyLog, LogStatus

    membership = (
        RegionMembership.objects.select_for_update()
        .filter(user=user, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date")
        .first()
    )
    # A membership due to start after they left has no day of its own.
    RegionMembership.objects.filter(user=user, start_date__gt=day).delete()
    if membership is None:
        return
    handed_in = (
        DailyLog.objects.filter(author=user, date=day).exclude(status=LogStatus.DRAFT).exists()
    )
    last_day = day if handed_in else day - datetime.timedelta(days=1)
    if last_day < membership.start_date:
        membership.delete()
    elif membership.end_date != last_day:
        membership.end_date = last_day
        membership.save(update_fields=["end_date"])


def user_password_set(
    *, user: User, password: str, chosen_by_owner: bool, commit: bool = True
) -> User:
    """Give `user` a new password. One chosen by someone else (an admin) is known to them,
    so its owner must replace it at the next login; their own choice clears that."""
    user.set_password(password)
    user.must_change_password = not chosen_by_owner
    if commit:
        user.save(update_fields=["password", "must_change_password"])
    return user


def user_language_set(*, user: User, language: str) -> None:
    """Remember the interface language someone picked (a code of settings.LANGUAGES)."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
