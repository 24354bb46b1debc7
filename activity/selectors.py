"""Scoped reads of daily logs. Views get every log through here."""

import calendar
import copy
import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest, Replace, TruncDate
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts import selectors as org
from accounts.models import Region, RegionMembership, Role, User
from config.collation import by_name_pinyin
from config.text import visible
from planning.calendar import BranchRules, rules_for, rules_for_branches

from .models import (
    DailyLog,
    LogStatus,
    Metric,
    MetricValue,
    Notification,
    Prospect,
    VisitRecord,
)


def customer_key(name: str) -> str:
    """A customer's name as typed, for matching: a Chinese keyboard in full-width mode
    types 嘉禾４Ｓ店 for 嘉禾4S店, and a space slips in (嘉禾 4S店); the plan named one,
    the log the other, and the visit counted as not made. Characters that show nothing
    (a zero-width space from WeChat, kept in names saved before forms took them out) do
    not count either."""
    return "".join(visible(unicodedata.normalize("NFKC", name)).split()).casefold()


def active_metrics() -> list[Metric]:
    return list(Metric.objects.filter(is_active=True).order_by("order", "pk"))


def unweighted(metric: Metric) -> Metric:
    """A metric switched off, shown with its counts and target but not weighed in the
    task completion, nor paced, nor asking for a countermeasure: the AMs can no longer
    record it, and its whole-month target would drag down a month it was dropped in."""
    shown = copy.copy(metric)
    shown.weight = Decimal(0)
    return shown


def metrics_of_log(counts: dict[int, int]) -> list[Metric]:
    """The metrics a log's form shows: today's active ones, and those switched off since
    that the log counted more than 0 of (`counts`: metric id → count; a draft saved
    before holds a 0 of every metric it showed, and has nothing of it to correct). Metrics QA: a log returned after
    折页 was switched off hid its 30 leaflets from the AM correcting it."""
    return [
        m if m.is_active else unweighted(m)
        for m in Metric.objects.filter(
            Q(is_active=True) | Q(pk__in=[pk for pk, count in counts.items() if count])
        ).order_by("order", "pk")
    ]


def metrics_of_logs(logs: list[DailyLog]) -> list[Metric]:
    """The columns of a list of logs: today's active metrics, and those switched off since
    that one of them counted (a log of last week, returned and handed in again)."""
    # A subquery on the listed logs' values: joined to every metric value instead (with
    # DISTINCT), the queue's query read all 5 million of the bench org's: 1.9 s alone,
    # 11 s under load.
    counted = MetricValue.objects.filter(log__in=[log.pk for log in logs], value__gt=0)
    return list(
        Metric.objects.filter(Q(is_active=True) | Q(pk__in=counted.values("metric_id"))).order_by(
            "order", "pk"
        )
    )


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def logs_visible_to(user: User) -> QuerySet[DailyLog]:
    """The author's own logs, the logs of every region the user may see, and those they
    signed off (a move filed since under another region takes none from its signer)."""
    if not (user.is_authenticated and user.is_active):
        return DailyLog.objects.none()
    return DailyLog.objects.filter(
        Q(author=user) | Q(signed_off_by=user) | Q(region__in=org.regions_visible_to(user))
    )


def get_log_for_user(user: User, log_id: int) -> DailyLog:
    """The log with what its page shows, or 404 outside the user's slice of the org."""
    return get_object_or_404(
        logs_visible_to(user)
        .select_related("author", "region__branch", "signed_off_by")
        .prefetch_related(
            Prefetch("values", queryset=MetricValue.objects.select_related("metric")),
            "visits__prospect",
            "events__actor",
        ),
        pk=log_id,
    )


def notified_of(user: User, url: str) -> bool:
    """Whether a notification of `user`'s (the bell, an e-mail) links to `url`."""
    return Notification.objects.filter(recipient=user, url=url).exists()


@dataclass
class LogOutOfReach:
    """A log someone was told of (the bell, an e-mail) that is no longer theirs to open:
    it moved with its author to another region. What they are told instead of a 404."""

    log: DailyLog
    signer: User | None


def log_told_of_out_of_reach(user: User, log_id: int) -> LogOutOfReach | None:
    """The log, when `user` may not open it (`get_log_for_user`) but a notification of
    theirs links to it: the old RM's notice of a returned log or a request led to a bare
    404 once the log moved with its author. Only who has it now, never the log itself;
    anyone else still gets a 404 that tells nothing."""
    if not notified_of(user, reverse("activity:log_detail", kwargs={"pk": log_id})):
        return None
    log = (
        DailyLog.objects.select_related("author", "region__manager", "region__area__manager")
        .select_related("region__branch__head")
        .filter(pk=log_id)
        .first()
    )
    if log is None:
        return None
    return LogOutOfReach(log, org.region_signer(log.region, author_id=log.author_id))


def returned_logs(user: User) -> QuerySet[DailyLog]:
    """The author's logs waiting for their correction, oldest first (their home page)."""
    return DailyLog.objects.filter(author=user, status=LogStatus.RETURNED).order_by("date")


VISITS_METRIC_CODE = "visits"  # the seeded metric whose count the visit records detail


def visits_counted_and_recorded(log: DailyLog, values) -> tuple[int, int]:
    """(visits counted, visit records) of a log whose values and visits are loaded: a
    manager signing eight logs a morning is shown when 11 visits came with no record."""
    counted = next((v.value for v in values if v.metric.code == VISITS_METRIC_CODE), 0)
    return counted, len(log.visits.all())


def own_log(user: User, day: datetime.date) -> DailyLog | None:
    return (
        DailyLog.objects.filter(author=user, date=day)
        .select_related("region")
        .prefetch_related("values", "visits")
        .first()
    )


def counts_by_metric(log: DailyLog) -> dict[int, int]:
    return {v.metric_id: v.value for v in log.values.all()}


# The handed-in logs an AM's usual counts are read from, and how many make a habit.
USUAL_WINDOW_LOGS = 20
USUAL_MIN_LOGS = 5


@dataclass(frozen=True)
class UsualCounts:
    logs: int  # handed-in logs read (at most USUAL_WINDOW_LOGS)
    highest: dict[int, int]  # metric id → the highest count in them
    # metric id → how many of them carry a count of it: a metric added since (转介绍,
    # added on Wednesday) is in none of the older ones, so they say nothing of her usual.
    logs_with: dict[int, int] = field(default_factory=dict)


def usual_counts(user: User, before: datetime.date) -> UsualCounts:
    """The highest count of each metric in the AM's latest handed-in logs before `before`:
    what a count typed on the log of `before` is compared with (two queries)."""
    recent = list(
        DailyLog.objects.filter(
            author=user,
            date__lt=before,
            status__in=[LogStatus.SUBMITTED, LogStatus.SIGNED_OFF],
        )
        .order_by("-date")
        .values_list("pk", flat=True)[:USUAL_WINDOW_LOGS]
    )
    highest, logs_with = {}, {}
    for metric_id, high, logs in (
        MetricValue.objects.filter(log_id__in=recent)
        .values("metric_id")
        .annotate(high=Max("value"), logs=Count("log_id"))
        .values_list("metric_id", "high", "logs")
    ):
        highest[metric_id], logs_with[metric_id] = high, logs
    return UsualCounts(logs=len(recent), highest=highest, logs_with=logs_with)


VISIT_TEXTS = ("customer", "channel", "marketing_activity", "stage", "needs", "result", "next_step")


def log_holds(log: DailyLog, *, fields: dict, counts: dict[int, int], visits: list) -> bool:
    """Whether `log` already holds what a post carries: the same form arriving twice (a
    double tap on a slow phone, a retried request) is not a conflict with another page."""
    if any(getattr(log, name) != value for name, value in fields.items()):
        return False
    stored_counts = counts_by_metric(log)
    if any(stored_counts.get(metric_id, 0) != (value or 0) for metric_id, value in counts.items()):
        return False
    records = list(log.visits.all())
    if len(records) != len(visits):
        return False
    for record, visit in zip(records, visits, strict=True):
        if any(getattr(record, name) != getattr(visit, name) for name in VISIT_TEXTS):
            return False
        # A visit posted as a new prospect is linked to the prospect it created.
        if record.prospect_id != visit.prospect_id and not (
            visit.prospect_id is None and visit.new_prospect
        ):
            return False
    return True


def logs_signed_off_by(user: User) -> QuerySet[DailyLog]:
    """Every log this manager signs off, whatever its status: a bulk sign-off is checked
    against these, so a log handled meanwhile is told apart from one not theirs."""
    return (
        DailyLog.objects.filter(org.signed_off_by_q(user))
        .select_related("author", "region")
        .order_by("date", "submitted_at", "pk")
    )


def sign_off_queue(user: User) -> QuerySet[DailyLog]:
    """Submitted logs waiting for this manager, oldest day first."""
    return logs_signed_off_by(user).waiting_for_sign_off()


def signs_off_logs(user: User) -> bool:
    """Whether `user` has a sign-off queue: they sign some region's logs, or (an area
    manager, a branch head) a log its regional manager filed there before promotion waits
    for them."""
    if org.regions_signed_off_by(user).exists():
        return True
    # Only those above a region's manager sign for them: no second query on every page
    # of an admin's or an AM's.
    if user.role not in (Role.AREA_MANAGER, Role.BRANCH_HEAD):
        return False
    # From the regions' side (one lookup per region by its manager's logs): the queue's
    # own condition read every waiting log of the company, on every page of theirs.
    managers_log_waiting = DailyLog.objects.waiting_for_sign_off().filter(
        region=OuterRef("pk"), author=OuterRef("manager")
    )
    return (
        org.regions_signed_for_their_manager_by(user).filter(Exists(managers_log_waiting)).exists()
    )


def with_metric_counts(logs: list[DailyLog], metrics: list[Metric]) -> list[DailyLog]:
    """Set `log.metric_counts`: (metric, count or "") pairs in `metrics` order, so a table
    renders one cell per metric instead of searching the values for each cell.

    One query for all the logs, read as plain numbers: a queue page of 100 logs would
    otherwise build 700 MetricValue instances to show 700 integers."""
    counts = defaultdict(dict)
    for log_id, metric_id, value in MetricValue.objects.filter(
        log__in=[log.pk for log in logs]
    ).values_list("log_id", "metric_id", "value"):
        counts[log_id][metric_id] = value
    for log in logs:
        by_metric = counts[log.pk]
        log.metric_counts = [(m, by_metric.get(m.pk, "")) for m in metrics]
    return logs


def no_log_status(day: datetime.date, today: datetime.date) -> str:
    """A working day without a log: "due" while it runs (logs come in the evening),
    "missing" once it is over."""
    return "due" if day >= today else "missing"


@dataclass
class HistoryDay:
    day: datetime.date
    log: DailyLog | None
    expected: bool
    no_log_status: str | None  # "due" or "missing" for a working day without a log
    # In a region that day: a day without a log outside one has no log to open (its
    # edit page refuses it), so the list shows it without a link.
    member: bool = True


def month_history(user: User, month: datetime.date, today: datetime.date) -> list[HistoryDay]:
    """Every day of the month up to today, newest first, with the log if there is one."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    # A day before they joined (or after they left) is not a missing log.
    spans = list(
        RegionMembership.objects.overlapping(first, min(last, today))
        .filter(user=user)
        .select_related("region")
        .order_by("start_date")
    )
    rules = rules_for(spans[-1].region.branch_id if spans else None, first, last)
    logs = {
        log.date: log for log in DailyLog.objects.filter(author=user, date__range=(first, last))
    }
    days = []
    day = min(last, today)
    while day >= first:
        member = any(s.covers(day) for s in spans)
        log, expected = logs.get(day), member and rules.is_working_day(day)
        status = no_log_status(day, today) if expected and log is None else None
        days.append(
            HistoryDay(day=day, log=log, expected=expected, no_log_status=status, member=member)
        )
        day -= datetime.timedelta(days=1)
    return days


def has_history_before(user: User, day: datetime.date) -> bool:
    """Whether the user was in a region, or wrote a log, before the day: a newcomer's
    My logs offers no month before she joined, whose days all lead nowhere."""
    return User.objects.filter(
        Exists(RegionMembership.objects.filter(user=user, start_date__lt=day))
        | Exists(DailyLog.objects.filter(author=user, date__lt=day)),
        pk=user.pk,
    ).exists()


@dataclass
class GridRow:
    member: User
    cells: list  # one (day, status or None, log or None, expected) per day


@dataclass
class GridDay:
    date: datetime.date
    # What the branch's calendar makes of the day against its weekday: "off" for a
    # holiday on a working weekday, "worked" for a weekend day worked in lieu (调休).
    # A 调休 Saturday's column asks for logs, and a 国庆 Thursday's none: the header says
    # why, as a Chinese wall calendar does with 休 and 班.
    shift: str = ""


def week_grid_days(rules: BranchRules, start: datetime.date) -> list[GridDay]:
    days = []
    for day in (start + datetime.timedelta(days=i) for i in range(7)):
        working, usual = rules.is_working_day(day), day.weekday() in rules.working_weekdays
        days.append(GridDay(day, "" if working == usual else "worked" if working else "off"))
    return days


def week_grid(
    region: Region, start: datetime.date, today: datetime.date, rules: BranchRules | None = None
) -> list[GridRow]:
    """Each member of the region that week × each day: the log status, or missing.
    `rules`: the branch's calendar for the week, when the caller has it already."""
    days = [start + datetime.timedelta(days=i) for i in range(7)]
    end = days[-1]
    rules = rules or rules_for(region.branch_id, start, end)
    memberships = org.members_during([region.pk], start, end)
    logs = {
        (log.author_id, log.date): log
        for log in DailyLog.objects.filter(region=region, date__range=(start, end)).only(
            "pk", "author_id", "date", "status", "is_late"
        )
    }
    by_member: dict[int, list[RegionMembership]] = defaultdict(list)
    members: dict[int, User] = {}
    for m in memberships:
        by_member[m.user_id].append(m)
        members[m.user_id] = m.user
    org.tell_apart(members.values())
    rows = []
    for user_id, user in members.items():  # in pinyin order, as members_during reads them
        cells = []
        for day in days:
            member_that_day = any(m.covers(day) for m in by_member[user_id])
            log = logs.get((user_id, day))
            if log is not None and not member_that_day and log.status == LogStatus.DRAFT:
                # Begun on a day that is not theirs (someone who left that morning, see
                # `accounts.services.user_deactivate`): nothing owed, nothing unfinished.
                log = None
            if log is not None:
                status = log.status
            elif member_that_day and rules.is_working_day(day) and day <= today:
                status = no_log_status(day, today)
            else:
                status = None
            cells.append({"day": day, "status": status, "log": log, "member": member_that_day})
        rows.append(GridRow(member=user, cells=cells))
    return rows


@dataclass
class RegionDayStatus:
    region: Region
    members: int
    signed_off: int
    submitted: int
    returned: int
    draft: int
    working_day: bool = True  # in the region's branch calendar; nobody owes a log otherwise

    @property
    def not_submitted(self) -> int:
        return max(self.members - self.signed_off - self.submitted - self.returned, 0)

    @property
    def missing(self) -> int:
        """Logs owed and not handed in: none on a rest day."""
        return self.not_submitted if self.working_day else 0


def day_status_total(rows: list[RegionDayStatus]) -> dict[str, int]:
    """The total line of the regions' day: sums, with no logs owed on a region's rest day."""
    return {
        "members": sum(r.members for r in rows),
        "signed_off": sum(r.signed_off for r in rows),
        "submitted": sum(r.submitted for r in rows),
        "returned": sum(r.returned for r in rows),
        "missing": sum(r.missing for r in rows),
        "working_day": any(r.working_day for r in rows),
    }


def region_day_status(regions: QuerySet[Region], day: datetime.date) -> list[RegionDayStatus]:
    """Per region on `day`: members, their logs by status, and whether the day is a working
    day for the region's branch. Four queries, whatever the number of regions and branches."""
    regions = list(regions.select_related("branch", "area", "manager").by_name())
    ids = [r.pk for r in regions]
    rules = rules_for_branches({r.branch_id for r in regions}, day, day)
    members = dict(
        RegionMembership.objects.on(day)
        .filter(region_id__in=ids)
        .values_list("region_id")
        .annotate(n=Count("pk"))
    )
    statuses = defaultdict(dict)
    # A draft begun on a day that is not the author's (they left that morning) is not
    # the region's, as in `week_grid`.
    member = RegionMembership.objects.on(day).filter(
        user=OuterRef("author"), region=OuterRef("region")
    )
    for region_id, status, n in (
        DailyLog.objects.filter(region_id__in=ids, date=day)
        .filter(~Q(status=LogStatus.DRAFT) | Exists(member))
        .values_list("region_id", "status")
        .annotate(n=Count("pk"))
    ):
        statuses[region_id][status] = n
    return [
        RegionDayStatus(
            region=r,
            members=members.get(r.pk, 0),
            signed_off=statuses[r.pk].get(LogStatus.SIGNED_OFF, 0),
            submitted=statuses[r.pk].get(LogStatus.SUBMITTED, 0),
            returned=statuses[r.pk].get(LogStatus.RETURNED, 0),
            draft=statuses[r.pk].get(LogStatus.DRAFT, 0),
            working_day=rules[r.branch_id].is_working_day(day),
        )
        for r in regions
    ]


def prospects_of(user: User) -> QuerySet[Prospect]:
    return Prospect.objects.filter(owner=user).order_by(by_name_pinyin("name"))


def prospects_worked_on_lately(user: User, limit: int) -> list[int]:
    """Ids of the `limit` prospects of `user` she visited or added most recently: the
    ones a day's visits are likely to be with."""
    added = TruncDate("created_at")
    lately = Greatest(Coalesce(Max("visits__log__date"), added), added)
    return list(
        Prospect.objects.filter(owner=user)
        .annotate(lately=lately)
        .order_by("-lately", "-pk")
        .values_list("pk", flat=True)[:limit]
    )


def prospects_matching(user: User, query: str) -> QuerySet[Prospect]:
    """The user's prospects whose name holds `query` (the list's search box; "" is all).
    A NUL character (a paste, a mangled link) is in no name, as no form stores one, and
    PostgreSQL refuses it in a query: the search was a server error. Characters that show
    nothing are not searched for (a name copied from WeChat found nothing), as no form
    stores them any more."""
    prospects = prospects_of(user)
    query = visible(query).strip()
    if "\x00" in query:
        return prospects.none()
    if not query:
        return prospects
    # As names are compared (`customer_key`): 陈 一鸣 or 嘉禾４Ｓ typed (a space, a
    # full-width keyboard) found nothing of her 陈一鸣 or 嘉禾4S店.
    key = "".join(unicodedata.normalize("NFKC", query).split())
    found = Q(name__icontains=query) | Q(name_key__icontains=key)
    # A number that called her back, however written (0571-86966953, 139 9141 7645):
    # the phone is what she knows of a caller, and the search looked at names only.
    digits = "".join(ch for ch in key if ch.isdigit())
    if len(digits) >= PHONE_SEARCH_DIGITS and PHONE_TYPED.fullmatch(key):
        found |= Q(phone_key__contains=digits)
    return prospects.annotate(
        name_key=_without(F("name"), " ", "\u3000"),
        phone_key=_without(F("phone"), "-", " ", "(", ")"),
    ).filter(found)


# A phone searched for by at least this many digits: fewer are in too many numbers.
PHONE_SEARCH_DIGITS = 4
PHONE_TYPED = re.compile(r"\+?[\d\-().]+")


def _without(expression, *characters: str):
    for character in characters:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def get_own_prospect(user: User, prospect_id: int) -> Prospect:
    return get_object_or_404(prospects_of(user), pk=prospect_id)


def prospect_visits(prospect: Prospect) -> QuerySet[VisitRecord]:
    """Her visits to `prospect`, the latest first (on a day, the one written last): how
    she moved from 初次接触 to 已成交. Only the owner's logs: a prospect is hers alone."""
    return (
        VisitRecord.objects.filter(prospect=prospect, log__author_id=prospect.owner_id)
        .select_related("log")
        .order_by("-log__date", "-order", "-pk")
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def get_own_notification(user: User, notification_id: int) -> Notification:
    return get_object_or_404(notifications_of(user), pk=notification_id)


def sign_offs_waiting_by_signer(*, branch_id: int, day: datetime.date) -> dict[int, int]:
    """{user id: submitted logs of `day` and before waiting for them} in a branch, each
    region's logs counted for whoever signs them off (`accounts.selectors.region_signer`):
    its regional manager, or the next manager up when it has no active one. For the daily
    sign-off reminder; as in the queue, nobody is counted for their own log: the next
    manager up is."""
    waiting = (
        DailyLog.objects.waiting_for_sign_off()
        .filter(region__branch_id=branch_id, date__lte=day)
        .values_list("region_id", "author_id")
        .annotate(n=Count("pk"))
    )
    rows = list(waiting)
    chains = org.region_signer_chains({region_id for region_id, _author, _n in rows})
    counts: dict[int, int] = defaultdict(int)
    for region_id, author_id, n in rows:
        signer = org.signer_id_for(chains.get(region_id, []), author_id)
        if signer is not None:
            counts[signer] += n
    return dict(counts)


def log_submitted_to(log: DailyLog) -> User | None:
    """Who will sign off a log just handed in (the submit message names the right person
    or says nobody can), as `accounts.selectors.region_signer` decides for its region."""
    return org.region_signer(log.region, author_id=log.author_id)
