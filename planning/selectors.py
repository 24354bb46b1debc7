"""Scoped reads for planning, and the one place that reads actual numbers from the logs."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import selectors as org
from accounts.models import Region, RegionMembership, Role, User
from activity.models import DailyLog, LogStatus, Metric, MetricValue, VisitRecord
from activity.selectors import (  # noqa: F401  (planning's views read them from here)
    active_metrics,
    customer_key,
    logs_visible_to,
    notified_of,
    prospects_of,
    unweighted,
)
from config.collation import by_name_pinyin

from . import periods
from .calendar import BranchRules, rules_for
from .models import (
    BranchPlanningSettings,
    ItemStatus,
    MonthlyGoalSheet,
    PeriodKind,
    PlannedVisit,
    ReviewStatus,
    SheetStatus,
    Target,
    TrackedItem,
    WeeklyReview,
)

# What counts as actual: logs the AM has handed in (submitted) and signed-off logs.
# Drafts are unfinished and returned logs are under correction, so neither counts.
COUNTED_STATUSES = (LogStatus.SUBMITTED, LogStatus.SIGNED_OFF)


def actuals(
    *,
    start: datetime.date,
    end: datetime.date,
    author_ids=None,
    region_ids=None,
    by: str | tuple[str, ...] | None = None,
    metric_ids=None,
) -> dict[tuple, int]:
    """THE read of actual numbers: {(subject, metric id): total} over [start, end].

    One grouped query over MetricValue of counted logs. Filter by authors and/or
    regions; group `by` "author", "region" or "day" (default: author when author_ids
    are given, else region) or "week" (the Monday), or by a tuple of them, e.g.
    ("region", "day") gives {(region id, day, metric id): total}. Region filters use the region on the day of
    each log (DailyLog.region), so people who moved count where they worked at the time.
    """
    if author_ids is None and region_ids is None:
        raise ValueError("Give author_ids or region_ids")
    by = by or ("author" if author_ids is not None else "region")
    fields = {
        "author": "log__author_id",
        "region": "log__region_id",
        "day": "log__date",
        "week": TruncWeek("log__date"),
    }
    subjects = [fields[key] for key in (by if isinstance(by, tuple) else (by,))]
    values = MetricValue.objects.filter(
        log__date__range=(start, end), log__status__in=COUNTED_STATUSES
    )
    if author_ids is not None:
        values = values.filter(log__author_id__in=list(author_ids))
    if region_ids is not None:
        values = values.filter(log__region_id__in=list(region_ids))
    if metric_ids is not None:
        values = values.filter(metric_id__in=list(metric_ids))
    rows = values.values_list(*subjects, "metric_id").annotate(total=Sum("value")).order_by()
    return {tuple(row[:-1]): row[-1] for row in rows}


def metrics_counted(*, start, end, region_ids=None, author_ids=None) -> list[Metric]:
    """The metrics a summary or sheet of these regions (or people) over [start, end]
    shows: today's active ones, and those switched off since that the span's counted
    logs carry (the log form writes a count, 0 or more, of every metric it shows).
    Metrics QA: 折页 switched off on Wednesday left this week's and this month's
    summaries and sheets, with the leaflets counted on Monday, its target and the
    weighted completion; on a recompute, last week's too."""
    metrics = list(Metric.objects.order_by("order", "pk"))
    retired = [m.pk for m in metrics if not m.is_active]
    counted = set()
    if retired:  # one more query, only once an admin has switched a metric off
        values = MetricValue.objects.filter(
            metric_id__in=retired,
            log__date__range=(start, end),
            log__status__in=COUNTED_STATUSES,
        )
        if region_ids is not None:
            values = values.filter(log__region_id__in=list(region_ids))
        if author_ids is not None:
            values = values.filter(log__author_id__in=list(author_ids))
        counted = set(values.values_list("metric_id", flat=True).distinct())
    return [m if m.is_active else unweighted(m) for m in metrics if m.is_active or m.pk in counted]


def with_metrics_of(metrics: list[Metric], lines) -> list[Metric]:
    """`metrics` and the metrics of `lines` (a sheet's, a review's) not among them (switched
    off since), in the metrics' order."""
    extra = {line.metric_id: line.metric for line in lines} | {m.pk: m for m in metrics}
    return sorted(extra.values(), key=lambda metric: (metric.order, metric.pk))


def branch_settings(branch_id: int | None) -> BranchPlanningSettings:
    found = (
        BranchPlanningSettings.objects.filter(branch_id=branch_id).first() if branch_id else None
    )
    return found or BranchPlanningSettings(branch_id=branch_id)


# The longest run of public holidays (春节 with its weekends) a deadline moves past.
DEADLINE_MOVES_AT_MOST = datetime.timedelta(days=14)


def review_deadline(
    settings: BranchPlanningSettings, week: datetime.date, rules: BranchRules | None = None
) -> datetime.datetime:
    """When the review of `week` (and the plan for the week after) is due. A deadline on
    a public holiday moves to its time on the first day after that is not one: the
    review of 28 September 2026 was due on 国庆's Saturday, and every one handed in when
    work began again on 8 October read 逾期, with the RM told all week that nobody had.
    `rules`: the branch's calendar over the days after the deadline day, when the
    caller has it (else one query)."""
    day = week + datetime.timedelta(days=settings.review_deadline_weekday)
    last = day + DEADLINE_MOVES_AT_MOST
    if rules is None:
        rules = rules_for(settings.branch_id, day, last, settings=settings)
    while rules.is_holiday(day) and day < last:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, settings.review_deadline_time))


# --- scope -------------------------------------------------------------------------


def home_region(user: User, day: datetime.date) -> Region | None:
    """The region of `user`'s plan on `day`: the one she is in, or while she is away
    between two memberships (a week of leave) the one she was in last. Her plan page was
    a 404 for that week, and the plans page told her she would "join" her own region:
    last week's review and a change of this month's goals had no way in."""
    membership = org.membership_on(user, day) or org.membership_while_away(user, day)
    return membership.region if membership else None


def region_during(user: User, start: datetime.date, end: datetime.date) -> Region | None:
    """The region a sheet of [start, end] belongs to: the one `user` was in then, not
    today's (history stays with the region of the time). Someone who moved within the
    period files it with the region they moved to: the review is written at the end,
    for the RM who coaches the plan that follows. None when they were in no region."""
    membership = (
        RegionMembership.objects.overlapping(start, end)
        .filter(user=user)
        .select_related("region__branch")
        .order_by("-start_date")
        .first()
    )
    return membership.region if membership else None


# From this day of a month on, an AM may fill in next month's goal sheet.
NEXT_MONTH_FROM_DAY = 20


def latest_sheet_month(today: datetime.date) -> datetime.date:
    """The latest month whose goal sheet an AM may fill in: next month's from the 20th."""
    month = periods.month_start(today)
    return periods.add_months(month, 1) if today.day >= NEXT_MONTH_FROM_DAY else month


@dataclass(frozen=True)
class LastMonthFigures:
    values: dict[int, int]  # metric id → figure, scaled to the month's working days
    days_then: int  # working days of last month
    days_now: int  # working days of the month


def last_month_figures(
    user: User, month: datetime.date, branch_id: int | None
) -> LastMonthFigures | None:
    """Last month's agreed figures (proposed where none was agreed) for `month`'s goal
    sheet, in proportion to the two months' working days: December 2026 has 23, January
    2027 has 20 and February 16 (春节), and December's 115 visits copied into January
    asked 15 % more a day, with the AM behind pace from the first week."""
    last = (
        MonthlyGoalSheet.objects.filter(author=user, month=periods.add_months(month, -1))
        .prefetch_related("lines")
        .first()
    )
    if last is None:
        return None
    rules = rules_for(branch_id, last.month, periods.period_end(PeriodKind.MONTH, month))
    days_then = rules.count(last.month, periods.period_end(PeriodKind.MONTH, last.month))
    days_now = rules.count(month, periods.period_end(PeriodKind.MONTH, month))
    values = {}
    for line in last.lines.all():
        value = line.agreed if line.agreed is not None else line.proposed
        if value is not None and days_then and days_now != days_then:
            value = whole(Decimal(value) * days_now / days_then)
        values[line.metric_id] = value
    return LastMonthFigures(values, days_then, days_now)


def review_owed(branch_id: int | None, week: datetime.date) -> bool:
    """Whether `week` owes a weekly review: a week the branch had off from Monday to
    Sunday (春节 2026: 16–22 February) has nothing to review. One may still be written;
    it is not offered, asked for (`not_handed_in`) or late."""
    end = week + datetime.timedelta(days=6)
    return rules_for(branch_id, week, end).count(week, end) > 0


def latest_review_week(today: datetime.date) -> datetime.date:
    """The latest week an AM may review: this one (next week's plan is part of it)."""
    return periods.week_start(today)


def sheets_visible_q(user: User, start_field: str, trunc) -> Q:
    """The user's own sheets, those filed under a region they may see, and those of an
    AM who was in such a region during the sheet's period: a sheet stays filed where it
    was written, and the RM of the region someone moved to opens it from their plan
    page too. `trunc` turns a membership's first day into the period it falls in."""
    visible = org.regions_visible_to(user)
    member_then = (
        RegionMembership.objects.filter(user=OuterRef("author"), region__in=visible)
        .annotate(first_period=trunc("start_date"))
        .filter(first_period__lte=OuterRef(start_field))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(start_field)))
    )
    return Q(author=user) | Q(region__in=visible) | Q(Exists(member_then))


def monthly_sheets_visible_to(user: User) -> QuerySet[MonthlyGoalSheet]:
    return MonthlyGoalSheet.objects.filter(sheets_visible_q(user, "month", TruncMonth))


def weekly_reviews_visible_to(user: User) -> QuerySet[WeeklyReview]:
    return WeeklyReview.objects.filter(sheets_visible_q(user, "week_start", TruncWeek))


def get_monthly_sheet_for_user(user: User, pk: int) -> MonthlyGoalSheet:
    return get_object_or_404(
        monthly_sheets_visible_to(user).select_related("author", "region__branch", "agreed_by"),
        pk=pk,
    )


def sheet_reasons_held(sheet: MonthlyGoalSheet) -> set[str]:
    """The reasons a goal sheet's change request, reopening or keeping already carried:
    the AM's request and the RM's reopening are on the sheet, a "keep as agreed" only in
    the notice its author was sent. A refused post whose reason is one of them lost
    nothing (the first of two clicks saved it)."""
    from activity.models import Notification, NotificationKind

    urls = (
        reverse("planning:monthly_edit", kwargs={"month": sheet.month}),
        reverse("planning:monthly_detail", kwargs={"pk": sheet.pk}),
    )
    kept = Notification.objects.filter(
        recipient_id=sheet.author_id, kind=NotificationKind.MONTHLY_REOPENED, url__in=urls
    ).values_list("body", flat=True)
    return {text.strip() for text in (sheet.change_request, sheet.manager_comment, *kept)} - {""}


def get_weekly_review_for_user(user: User, pk: int) -> WeeklyReview:
    return get_object_or_404(
        weekly_reviews_visible_to(user).select_related("author", "region__branch", "reviewed_by"),
        pk=pk,
    )


def can_review(user: User, sheet) -> bool:
    """Agree a monthly sheet or review a weekly one: whoever signs its author's logs in
    the sheet's region (its RM; the next manager up for the RM's own)."""
    return org.can_sign_off_region(user, sheet.region_id, author_id=sheet.author_id)


def get_member_for_user(user: User, member_id: int, day: datetime.date) -> tuple[User, Region]:
    """An AM and their region on `day` (while she is away, her last: `home_region`), if
    `user` is them or may see that region; else 404."""
    member = get_object_or_404(User, pk=member_id, is_active=True)
    membership = org.membership_on(member, day) or org.membership_while_away(member, day)
    if membership is None or (
        member.pk != user.pk
        and not org.regions_visible_to(user).filter(pk=membership.region_id).exists()
    ):
        raise Http404
    return member, membership.region


def members_openable_by(user: User, member_ids, day: datetime.date) -> set[int]:
    """Which of these people's plan pages `user` may open (`get_member_for_user`), in one
    query: lists of a period (a region's plan, its pace card) name who left or moved away
    during it too, and a link to them was a 404."""
    visible = org.regions_visible_to(user)
    return set(
        RegionMembership.objects.on(day)
        .filter(user_id__in=list(member_ids), user__is_active=True)
        .filter(Q(user_id=user.pk) | Q(region__in=visible))
        .values_list("user_id", flat=True)
    )


def can_set_targets(user: User, region_id: int) -> bool:
    """Line managers of the region set its targets and its AMs' (admins read only)."""
    return org.regions_line_managed_by(user).filter(pk=region_id).exists()


# --- targets -----------------------------------------------------------------------


def breakdown_span(year: int) -> tuple[datetime.date, datetime.date]:
    """The days whose calendar the year's cascade reads: the last week of December runs
    into January."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 6)


def breakdown_rules(branch_id: int, year: int) -> BranchRules:
    return rules_for(branch_id, *breakdown_span(year))


def breakdown_proposal(year: int, annual: int, rules: BranchRules) -> dict[periods.Key, int]:
    """What the annual breakdown's "propose" fills in: quarters, months and weeks in
    proportion to the branch's working days. The target import saves the same."""
    return periods.propose(
        year, annual, lambda kind, start: rules.count(start, periods.period_end(kind, start))
    )


class Source:
    EXPLICIT = "explicit"
    MEMBERS = "members"
    DERIVED = "derived"
    LABELS = {
        EXPLICIT: _("set explicitly"),
        MEMBERS: _("sum of its account managers' targets"),
        DERIVED: _("pro rata from the month's target"),
    }


@dataclass
class TargetBook:
    """Targets of some users and regions, loaded in one query, resolved in Python."""

    rules: BranchRules
    values: dict = field(default_factory=dict)  # (kind, "u"|"r", id, start, metric_id) → value
    # region id → its last day, for regions that closed (`Region.closed_on`).
    closed_on: dict = field(default_factory=dict)
    # region id → its first day, for regions created on record (`Region.created_on`).
    opened_on: dict = field(default_factory=dict)
    # The same keys → the first day a target covers, for those not covering their period
    # (`Target.covers_from`: the goal sheet of an AM who joined mid-month).
    covers: dict = field(default_factory=dict)

    @classmethod
    def load(
        cls, *, rules, user_ids=(), region_ids=(), start, end, closed_on=None, opened_on=None
    ) -> "TargetBook":
        rows = Target.objects.filter(
            Q(user_id__in=list(user_ids)) | Q(region_id__in=list(region_ids)),
            period_start__range=(start, end),
        ).values_list(
            "period_kind",
            "user_id",
            "region_id",
            "period_start",
            "metric_id",
            "value",
            "covers_from",
        )
        values, covers = {}, {}
        for kind, user_id, region_id, period_start, metric_id, value, covers_from in rows:
            subject = ("u", user_id) if user_id else ("r", region_id)
            values[(kind, *subject, period_start, metric_id)] = value
            if covers_from is not None and covers_from > period_start:
                covers[(kind, *subject, period_start, metric_id)] = covers_from
        return cls(
            rules=rules,
            values=values,
            closed_on=closed_on or {},
            opened_on=opened_on or {},
            covers=covers,
        )

    def _derived_week(
        self, subject, week: datetime.date, metric_id: int, days=None
    ) -> int | Decimal | None:
        """A week without a target of its own: its share of each month it runs into, by
        the working days it has in that month. The week of 30 November gets one day of
        November's target and four of December's. Weeks had the share of the month their
        Monday is in, by all their days: November's target was spread over 25 working
        days where the month has 21, so an AM who met every week fell behind the month.
        Each month's shares are whole numbers that add up to the month's target.

        A month without a target yet (December's are set at the end of November) lends
        its days in the week the daily rate of the month that has one: the week of 30
        November is not a one-day week until December's targets come.

        `days` (first, last): the part of the week a caller takes a share of, by its
        working days (the summary of 30 November to 1 December takes 2/5 of the week).
        The value is then the week's that makes that share each day's own month's rate:
        with 10 visits a day in November and 20 in December, 2/5 of the week's 90 read
        36 for a day of each, not 30."""
        week_end = week + datetime.timedelta(days=6)
        months = sorted({periods.month_start(week), periods.month_start(week_end)})
        known = {
            month: value
            for month in months
            if (value := self.values.get((PeriodKind.MONTH, *subject, month, metric_id)))
            is not None
        }
        if not known:
            return None
        total, in_days = 0, Decimal(0)
        for month in months:
            month_end = periods.period_end(PeriodKind.MONTH, month)
            # A joiner's sheet covers her days: it is spread over the weeks from hers.
            first = self.covers.get((PeriodKind.MONTH, *subject, month, metric_id), month)
            if month in known:
                weeks = periods.weeks_overlapping(month, month_end)
                weights = [
                    self.rules.count(max(w, first), min(w + datetime.timedelta(days=6), month_end))
                    for w in weeks
                ]
                here = periods.split(known[month], weights)[weeks.index(week)]
            else:
                lender, value = next(iter(known.items()))
                lender_from = self.covers.get((PeriodKind.MONTH, *subject, lender, metric_id))
                lender_days = self.rules.count(
                    lender_from or lender, periods.period_end(PeriodKind.MONTH, lender)
                )
                # A joiner's sheet lends nothing to her days before she joined: the week
                # of 30 November read a Monday of December's rate for one who came on the 2nd.
                days_here = self.rules.count(
                    max(week, month, lender_from or month), min(week_end, month_end)
                )
                if not lender_days:
                    continue
                here = whole(Decimal(value) * days_here / lender_days)
            total += here
            # Over all the week's days in the month: a joiner's own days are the caller's
            # share of them (`covered_share`), not to be counted here twice.
            in_month = self.rules.count(max(week, month), min(week_end, month_end))
            if days is not None and in_month:
                seen = self.rules.count(
                    max(week, month, days[0]), min(week_end, month_end, days[1])
                )
                in_days += Decimal(here) * seen / in_month
        if days is None or len(months) == 1:
            return total
        part_days = self.rules.count(max(week, days[0]), min(week_end, days[1]))
        if not part_days or part_days == self.rules.count(week, week_end):
            return total
        return in_days * self.rules.count(week, week_end) / part_days

    def user_value(self, user_id: int, kind: str, start, metric_id: int, *, derive=True, days=None):
        """(value, source) or (None, None). derive=False: a week's own target only, not
        one derived from the months. `days`: see `_derived_week`."""
        value = self.values.get((kind, "u", user_id, start, metric_id))
        if value is not None:
            return value, Source.EXPLICIT
        if kind == PeriodKind.WEEK and derive:
            derived = self._derived_week(("u", user_id), start, metric_id, days)
            if derived is not None:
                return derived, Source.DERIVED
        return None, None

    def covered_share(self, user_id: int, kind: str, start, metric_id: int, share: Decimal):
        """`share` (of the period's working days, spent in a region) as a share of the
        days the member's target covers: a joiner's sheet is for her days, so her days
        from the 16th are all of it, not half (`Target.covers_from`). She was in no
        region before that day, so her days in this one all fall in what it covers."""
        first = self._covers_from(user_id, kind, start, metric_id)
        if first is None or not share:
            return share
        end = periods.period_end(kind, start)
        covered = self.rules.count(first, end)
        if not covered:
            return share
        scaled = share * self.rules.count(start, end) / covered
        # 10/21 × 21/10 is 0.999…: a whole target stays whole.
        return min(scaled.quantize(Decimal("1e-12")), Decimal(1))

    def _covers_from(self, user_id: int, kind: str, start, metric_id: int):
        """The first day the user's target of the period covers, when after its start:
        a week's from the month it is derived from, when that day falls in the week."""
        if kind == PeriodKind.MONTH:
            return self.covers.get((kind, "u", user_id, start, metric_id))
        if (kind, "u", user_id, start, metric_id) in self.values:
            return None
        end = start + datetime.timedelta(days=6)
        days = [
            day
            for month in {periods.month_start(start), periods.month_start(end)}
            if (day := self.covers.get((PeriodKind.MONTH, "u", user_id, month, metric_id)))
            and start < day <= end
        ]
        return max(days, default=None)

    def user_value_in_region(
        self,
        user_id: int,
        share: Decimal,
        kind: str,
        start,
        metric_id,
        *,
        derive=True,
        rounded=True,
        days=None,
    ):
        """A member's target for the part of the period they were in the region;
        rounded=False for a share of part of a period (the summary pro rates it further,
        over `days`, see `_derived_week`)."""
        if not share:
            return None, None
        value, source = self.user_value(user_id, kind, start, metric_id, derive=derive, days=days)
        if value is None:
            return value, source
        share = self.covered_share(user_id, kind, start, metric_id, share)
        return _member_part(value, share, rounded), source

    def region_value(
        self,
        region_id: int,
        member_shares,
        kind: str,
        start,
        metric_id: int,
        *,
        derive=True,
        rounded=True,
        days=None,
    ):
        """member_shares: user id → the share of the period they were in the region
        (`membership_shares`); each member's target counts for that share, so someone
        who moved in on Wednesday brings 3/5 of their week's target, and a mover's week
        is not counted whole in both regions."""
        value = self.values.get((kind, "r", region_id, start, metric_id))
        if value is not None:
            return self._while_open(region_id, kind, start, value, rounded), Source.EXPLICIT
        shared = [
            (
                self.user_value(m, kind, start, metric_id, derive=derive, days=days)[0],
                self.covered_share(m, kind, start, metric_id, share),
            )
            for m, share in member_shares.items()
            if share
        ]
        shared = [(v, share) for v, share in shared if v is not None]
        if shared:
            # Rounded member by member, so the region's line is the sum of its AMs' lines.
            return sum(_member_part(v, share, rounded) for v, share in shared), Source.MEMBERS
        if kind == PeriodKind.WEEK and derive:
            derived = self._derived_week(("r", region_id), start, metric_id, days)
            if derived is not None:
                return self._while_open(region_id, kind, start, derived, rounded), Source.DERIVED
        return None, None

    def _while_open(self, region_id: int, kind: str, start, value, rounded: bool):
        """A region's own target for the working days of the period it was open: one
        merged away on the 15th owes half of November's, as a leaver owes her days only.
        Its whole month's target against half a month's work read 50 % (red) in the
        month's summary for a region on pace, while its weeks, listed up to the merge
        only, added up to the half. One opened on a Wednesday owes the rest of its week,
        as a joiner does: a new branch's first week read 60 % for regions on pace."""
        end = periods.period_end(kind, start)
        first_day = max(start, self.opened_on.get(region_id) or start)
        last_day = min(end, self.closed_on.get(region_id) or end)
        if first_day == start and last_day == end:
            return value
        days = self.rules.count(start, end)
        if not days:
            return value
        open_days = self.rules.count(first_day, last_day) if first_day <= last_day else 0
        return _member_part(value, Decimal(open_days) / days, rounded)


def _months_of(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The whole months [start, end] touches: the days whose calendar a derived week's
    target reads (`TargetBook._derived_week` splits each month over all its weeks). Rules
    loaded up to the week's Sunday only missed the overrides after it: with 2027's 春节
    entered by the admin, the week of 1 February split February over 20 working days
    instead of 16, and each week's page added up February differently."""
    return periods.month_start(start), periods.period_end(
        PeriodKind.MONTH, periods.month_start(end)
    )


def _member_part(value, share: Decimal, rounded: bool):
    """A member's target for their share of a period: a count, unless the caller pro
    rates it further (part of a week), where rounding first would count 12.5 as 13."""
    if share == 1:
        return value
    return whole(value * share) if rounded else value * share


def whole(value: Decimal) -> int:
    """Targets are counts of activities: a share of one is rounded half up."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def membership_shares(memberships, rules: BranchRules, start, end) -> dict[int, Decimal]:
    """user id → the share of [start, end]'s working days they spent in a region, from
    their memberships there as (user id, joined, left) tuples: 1 for a whole period,
    3/5 for someone who moved in on a Wednesday, 0 for someone who left on the Sunday
    before. When the period has no working day at all, whoever overlaps it counts 1."""
    working = rules.working_days(start, end)
    days = defaultdict(int)
    for user_id, joined, left in memberships:
        if joined > end or (left is not None and left < start):
            continue
        days[user_id] += sum(1 for d in working if joined <= d and (left is None or d <= left))
    if not working:
        return dict.fromkeys(days, Decimal(1))
    return {user_id: min(Decimal(n) / len(working), Decimal(1)) for user_id, n in days.items()}


def target_history(*, user_ids=(), region_ids=(), start, end) -> QuerySet:
    from .models import TargetRevision

    return (
        TargetRevision.objects.filter(
            Q(target__user_id__in=list(user_ids)) | Q(target__region_id__in=list(region_ids)),
            target__period_start__range=(start, end),
        )
        .select_related("target__metric", "changed_by")
        .order_by("-changed_at", "-pk")
    )


# --- completion, score, pacing ------------------------------------------------------


def completion(actual: int, target: int | None) -> Decimal | None:
    """Actual as a percentage of target (may exceed 100); None without a target."""
    if not target:
        return None
    return Decimal(actual) * 100 / Decimal(target)


def weighted_score(lines, cap: Decimal) -> Decimal | None:
    """目标完成程度 加权平均: Σ min(completion, cap) × weight ÷ Σ weight, over metrics with a target."""
    credited = [
        (min(line.completion, cap), line.metric.weight)
        for line in lines
        if line.completion is not None and line.metric.weight > 0
    ]
    total_weight = sum((w for _, w in credited), Decimal(0))
    if not total_weight:
        return None
    return sum((c * w for c, w in credited), Decimal(0)) / total_weight


class Pace:
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"
    ORDER = {ON_TRACK: 0, BEHIND: 1, AT_RISK: 2}
    LABELS = {ON_TRACK: _("On track"), BEHIND: _("Behind"), AT_RISK: _("At risk")}


def pace_status(actual: int, expected: int | Decimal) -> str:
    """On track at ≥ 100 % of expected-by-today, behind at ≥ 80 %, at risk below."""
    if expected <= 0 or actual >= expected:
        return Pace.ON_TRACK
    if Decimal(actual) >= expected * Decimal("0.8"):
        return Pace.BEHIND
    return Pace.AT_RISK


@dataclass
class Line:
    metric: Metric
    target: int | None
    actual: int
    source: str | None = None
    expected: int | None = None
    source_mark: str = ""  # set by its Sheet: which note under the table applies

    @property
    def gap(self) -> int | None:
        return None if self.target is None else self.actual - self.target

    @property
    def completion(self) -> Decimal | None:
        return completion(self.actual, self.target)

    @property
    def is_short(self) -> bool:
        # A metric switched off since asks for no cause or countermeasure.
        return self.target is not None and self.actual < self.target and self.metric.is_active

    @property
    def pace(self) -> str | None:
        if self.target is None or self.expected is None:
            return None
        return pace_status(self.actual, self.expected)

    @property
    def is_behind_pace(self) -> bool:
        """What a plan table highlights: in a running period everyone is still short of
        the whole target, so only lines behind pace; once it is over, lines short of it."""
        return self.pace in (Pace.BEHIND, Pace.AT_RISK)

    @property
    def source_label(self):
        return Source.LABELS.get(self.source, "")


@dataclass
class Sheet:
    """Targets, actuals and pacing of one subject for one period."""

    kind: str
    start: datetime.date
    end: datetime.date
    lines: list[Line]
    score: Decimal | None
    elapsed_days: int = 0
    working_days: int = 0
    today_is_working_day: bool | None = None  # None: today lies outside the period
    # Set by pacing_for when no line has a target: "sheet" (the AM's goal sheet is not
    # handed in yet) or "agreement" (it waits for the RM), so the panel says why it is
    # all dashes.
    targets_pending: str = ""
    # Who agrees the sheet when the region has no regional manager (the area manager).
    agreed_by: User | None = None

    @property
    def pace(self) -> str | None:
        paces = [line.pace for line in self.lines if line.pace]
        return max(paces, key=Pace.ORDER.__getitem__) if paces else None

    @property
    def pace_label(self):
        return Pace.LABELS.get(self.pace, "")

    def __post_init__(self):
        """Where targets come from when not set explicitly (a week pro rata from the
        month, a region as the sum of its AMs), said once under the table: as a note on
        each line it took three lines per metric on a phone. One source for every line:
        no marks; several: a mark per source (*, **) on the lines."""
        sources = [
            source
            for source in Source.LABELS
            if source != Source.EXPLICIT
            and any(line.source == source for line in self.lines if line.target is not None)
        ]
        shared = len(sources) == 1 and all(
            line.source == sources[0] for line in self.lines if line.target is not None
        )
        marks = {source: "" if shared else "*" * (i + 1) for i, source in enumerate(sources)}
        self.source_notes = [(marks[source], Source.LABELS[source]) for source in sources]
        for line in self.lines:
            line.source_mark = marks.get(line.source, "") if line.target is not None else ""


def _elapsed(rules: BranchRules, start, end, today) -> tuple[int, int]:
    """(working days that have ended, working days in the period). Today is not over:
    its log comes in the evening, and counting it made an AM exactly on plan look
    behind all day (at risk on every weekly sheet from Monday to Thursday)."""
    total = rules.count(start, end)
    if today <= start:
        return 0, total
    return rules.count(start, min(today - datetime.timedelta(days=1), end)), total


def _paced(spans, start, end) -> tuple[datetime.date, datetime.date] | None:
    """The days of [start, end] someone's memberships (joined, left) cover, from the
    first day in to the last; None when that is the whole period."""
    if not spans:
        return None
    first = max(start, min(joined for joined, _left in spans))
    last = min(end, max(left or end for _joined, left in spans))
    return None if (first, last) == (start, end) else (first, last)


def _sheet(
    kind, start, end, metrics, target_of, actual_of, rules, cap, today, *, paced=None
) -> Sheet:
    """paced: the (first, last) days the pace is measured over, when not the whole
    period (an AM who joined on its Tuesday owes nothing for its Monday)."""
    elapsed, total = _elapsed(rules, *(paced or (start, end)), today)
    lines = []
    for metric in metrics:
        target, source = target_of(metric.pk)
        expected = None
        if target is not None and total and metric.is_active:
            # A count, as targets are: pace is judged against the number on the page.
            expected = whole(Decimal(target) * elapsed / total)
        lines.append(Line(metric, target, actual_of(metric.pk), source, expected))
    today_working = rules.is_working_day(today) if start <= today <= end else None
    return Sheet(kind, start, end, lines, weighted_score(lines, cap), elapsed, total, today_working)


def am_sheet(
    user: User, region: Region, kind: str, start: datetime.date, today=None, metrics=None
) -> Sheet:
    """One AM's targets vs actuals for a period (about five queries, any number of metrics)."""
    today = today or timezone.localdate()
    end = periods.period_end(kind, start)
    settings = branch_settings(region.branch_id)
    rules = rules_for(region.branch_id, *_months_of(start, end), settings=settings)
    book = TargetBook.load(
        rules=rules, user_ids=[user.pk], start=periods.month_start(start), end=end
    )
    found = actuals(author_ids=[user.pk], start=start, end=end)
    # The days they were in a region (any, a move does not split their own sheet).
    spans = list(
        RegionMembership.objects.overlapping(start, end)
        .filter(user=user)
        .values_list("start_date", "end_date")
    )
    paced = _paced(spans, start, end)
    share = (
        membership_shares([(user.pk, *span) for span in spans], rules, start, end).get(user.pk)
        if paced
        else None
    )

    def target_of(metric_id):
        value, source = book.user_value(user.pk, kind, start, metric_id)
        if source == Source.DERIVED and share is not None and value is not None:
            # A derived week spreads the months over all its days; someone who joined
            # on its Tuesday owes the days they were in a region (16 visits, not 20).
            # A target agreed for the period stands as agreed.
            value = _member_part(
                value, book.covered_share(user.pk, kind, start, metric_id, share), rounded=True
            )
        return value, source

    return _sheet(
        kind,
        start,
        end,
        metrics
        if metrics is not None
        else metrics_counted(author_ids=[user.pk], start=start, end=end),
        target_of,
        lambda m: found.get((user.pk, m), 0),
        rules,
        settings.completion_cap,
        today,
        paced=paced,
    )


def next_week_targets(user: User, region: Region, sheet: Sheet) -> list[int | None]:
    """Next week's target per line of this week's `sheet` (a weekly review's defaults):
    what the cascade says, else this week's in proportion to the two weeks' working days.
    Week 53 of 2026 has four (元旦 on its Friday): with January's targets not agreed yet,
    its target became week 1's, a fifth short."""
    following = am_sheet(user, region, PeriodKind.WEEK, sheet.start + datetime.timedelta(weeks=1))
    targets = []
    for this, nxt in zip(sheet.lines, following.lines, strict=True):
        value = nxt.target
        if value is None and this.target is not None:
            value = this.target
            if sheet.working_days and following.working_days != sheet.working_days:
                value = whole(Decimal(value) * following.working_days / sheet.working_days)
        targets.append(value)
    return targets


@dataclass
class MemberRow:
    member: User
    sheet: Sheet
    weekly_review: WeeklyReview | None = None
    monthly_sheet: MonthlyGoalSheet | None = None
    # Last week's handed-in review, which holds this week's visit plan (计划拜访).
    visit_plan: WeeklyReview | None = None


@dataclass
class RegionPlan:
    region: Region
    kind: str
    start: datetime.date
    total: Sheet
    rows: list[MemberRow]

    @property
    def members_without_target(self) -> list[User]:
        """AMs with no target for the period while the region's is the sum of its AMs':
        their activity still counts in the region's actual, so its completion reads
        higher than like for like. The RM is told whom to agree targets with."""
        if not any(line.source == Source.MEMBERS for line in self.total.lines):
            return []
        return [
            row.member for row in self.rows if all(line.target is None for line in row.sheet.lines)
        ]


def region_plan(region: Region, kind: str, start: datetime.date, today=None) -> RegionPlan:
    """The region's plan page: the region line and one line per AM.

    A fixed number of queries whatever the number of AMs and metrics.
    """
    today = today or timezone.localdate()
    end = periods.period_end(kind, start)
    memberships = list(org.members_during([region.pk], start, end))
    members = {m.user.pk: m.user for m in memberships}
    org.tell_apart(members.values())
    member_ids = list(members)
    settings = branch_settings(region.branch_id)
    rules = rules_for(region.branch_id, *_months_of(start, end), settings=settings)
    shares = membership_shares(
        [(m.user_id, m.start_date, m.end_date) for m in memberships], rules, start, end
    )
    metrics = metrics_counted(region_ids=[region.pk], start=start, end=end)
    book = TargetBook.load(
        rules=rules,
        user_ids=member_ids,
        region_ids=[region.pk],
        start=periods.month_start(start),
        end=end,
        closed_on={region.pk: region.closed_on},
        opened_on={region.pk: region.created_on},
    )
    # People count in the region for the logs they wrote while in it.
    by_author = defaultdict(int, actuals(start=start, end=end, region_ids=[region.pk], by="author"))
    by_region = defaultdict(int)
    for (_author, metric_id), value in by_author.items():
        by_region[metric_id] += value

    # Each member's pace runs over their days in the region: a joiner owes no Monday.
    spans_by_member = defaultdict(list)
    for m in memberships:
        spans_by_member[m.user_id].append((m.start_date, m.end_date))
    # The region's runs over the days anyone was in it: a region set up (imported) on a
    # Wednesday read 有风险 on its first morning for the Monday and Tuesday before it,
    # when its only AM with a target read 进度正常.
    total = _sheet(
        kind,
        start,
        end,
        metrics,
        lambda m: book.region_value(region.pk, shares, kind, start, m),
        lambda m: by_region[m],
        rules,
        settings.completion_cap,
        today,
        paced=_paced([span for spans in spans_by_member.values() for span in spans], start, end),
    )
    reviews, monthly, plans = {}, {}, {}
    if kind == PeriodKind.WEEK:
        # This week's reviews and last week's, whose next-week plan is this week's: QA
        # found the AM's plan (计划拜访 15 次: …) only inside last week's review, not
        # where the RM plans the week.
        plans_from = start - datetime.timedelta(days=7)
        for r in WeeklyReview.objects.filter(
            author_id__in=member_ids, week_start__in=[start, plans_from]
        ):
            if r.week_start == start:
                reviews[r.author_id] = r
            elif r.status != ReviewStatus.DRAFT:
                plans[r.author_id] = r
    if kind == PeriodKind.MONTH:
        monthly = {
            s.author_id: s
            for s in MonthlyGoalSheet.objects.filter(author_id__in=member_ids, month=start)
        }
    rows = [
        MemberRow(
            member=member,
            sheet=_sheet(
                kind,
                start,
                end,
                metrics,
                lambda m, uid=uid: book.user_value_in_region(uid, shares[uid], kind, start, m),
                lambda m, uid=uid: by_author[(uid, m)],
                rules,
                settings.completion_cap,
                today,
                paced=_paced(spans_by_member[uid], start, end),
            ),
            weekly_review=reviews.get(uid),
            monthly_sheet=monthly.get(uid),
            visit_plan=plans.get(uid),
        )
        for uid, member in members.items()  # in pinyin order, as members_during reads them
        # Someone who left on the Sunday before the month has nothing to do in it here.
        if shares[uid] or any(by_author[(uid, m.pk)] for m in metrics)
    ]
    return RegionPlan(region, kind, start, total, rows)


def pacing_for(user: User, today=None, *, region=None, metrics=None) -> Sheet | None:
    """This month's pacing for an AM's home page; None when they are in no region.
    Pass today's region and the active metrics when the page has them already."""
    today = today or timezone.localdate()
    region = region or home_region(user, today)
    if region is None:
        return None
    sheet = am_sheet(
        user, region, PeriodKind.MONTH, periods.month_start(today), today, metrics=metrics
    )
    # Someone who joined after the month's last working day (Saturday 31 October) has
    # no October to set goals for: the panel sent her to October's goal sheet.
    if sheet.working_days and all(line.target is None for line in sheet.lines):
        status = (
            MonthlyGoalSheet.objects.filter(author=user, month=sheet.start)
            .values_list("status", flat=True)
            .first()
        )
        sheet.targets_pending = {
            None: "sheet",
            SheetStatus.DRAFT: "sheet",
            SheetStatus.SUBMITTED: "agreement",
        }.get(status, "")
        if sheet.targets_pending:
            sheet.agreed_by = sheet_agreed_by(region, user)
    return sheet


def sheet_agreed_by(region: Region, author: User) -> User | None:
    """Who agrees `author`'s goal sheet when it is not her region's regional manager: in
    a region without one, the next one up (as for her logs, `region_signer`). None when
    the RM agrees it, without reading her (a leaver gives her region up): reading her
    cost every AM's log page a query in the days before her sheet was agreed."""
    if region.manager_id is not None and region.manager_id != author.pk:
        return None
    return org.region_signer(region, author_id=author.pk)


def region_pacing(region: Region, today=None) -> RegionPlan:
    """Per-AM pacing this month for the RM's page."""
    today = today or timezone.localdate()
    return region_plan(region, PeriodKind.MONTH, periods.month_start(today), today)


# --- trend -------------------------------------------------------------------------


@dataclass
class TrendPoint:
    week: datetime.date
    plan: int | None
    actual: int


def trend(
    *,
    metric: Metric,
    last_week: datetime.date,
    user: User | None = None,
    region: Region | None = None,
    weeks: int = 12,
) -> list[TrendPoint]:
    """Plan vs actual per week for the `weeks` weeks ending with `last_week` (推移图表)."""
    first = last_week - datetime.timedelta(weeks=weeks - 1)
    end = last_week + datetime.timedelta(days=6)
    branch_id = region or home_region(user, end) or home_region(user, first)
    branch_id = branch_id.branch_id if branch_id else None
    rules = rules_for(branch_id, *_months_of(first, end))
    memberships = []
    if region is not None:
        memberships = list(
            org.members_during([region.pk], first, end).values_list(
                "user_id", "start_date", "end_date"
            )
        )
        member_ids = list({user_id for user_id, *_ in memberships})
        book = TargetBook.load(
            rules=rules,
            user_ids=member_ids,
            region_ids=[region.pk],
            start=periods.month_start(first),
            end=end,
            closed_on={region.pk: region.closed_on},
            opened_on={region.pk: region.created_on},
        )
        found = actuals(
            start=first, end=end, region_ids=[region.pk], by="day", metric_ids=[metric.pk]
        )
    else:
        book = TargetBook.load(
            rules=rules, user_ids=[user.pk], start=periods.month_start(first), end=end
        )
        found = actuals(
            start=first, end=end, author_ids=[user.pk], by="day", metric_ids=[metric.pk]
        )
        # Her plan starts with her: the annual target import spreads a joiner's year over
        # all its weeks, and her chart read the weeks before she came as "below plan".
        joined = RegionMembership.objects.filter(user=user).aggregate(first=Min("start_date"))
        joined = joined["first"]
    daily = {day: value for (day, _metric), value in found.items()}
    points = []
    for i in range(weeks):
        week = first + datetime.timedelta(weeks=i)
        if region is not None:
            shares = membership_shares(memberships, rules, week, week + datetime.timedelta(days=6))
            plan, _source = book.region_value(region.pk, shares, PeriodKind.WEEK, week, metric.pk)
        elif joined is not None and week + datetime.timedelta(days=6) < joined:
            plan = None
        else:
            plan, _source = book.user_value(user.pk, PeriodKind.WEEK, week, metric.pk)
        actual = sum(daily.get(week + datetime.timedelta(days=d), 0) for d in range(7))
        points.append(TrendPoint(week, plan, actual))
    return points


@dataclass
class Chart:
    """Geometry for the server-rendered SVG bar chart (no JavaScript)."""

    width: int
    height: int
    bars: list[dict]
    max_value: int
    gridlines: list[dict]

    @property
    def has_running_week(self) -> bool:
        return any(bar["running"] for bar in self.bars)


def trend_chart(
    points: list[TrendPoint], width: int = 640, height: int = 220, today=None, label_every: int = 1
) -> Chart:
    """Bars for actuals, a line for the plan. A week still running is grey, not "below plan"
    (its actual is only part of a week) and not green either (it has not met anything yet).

    The SVG scales to the screen, its text with it: a phone gets its own narrow drawing,
    whose week labels (every `label_every`-th, counted back from the latest) still fit."""
    # right: room for the last week's label, half of which stands past its bar on a phone
    # (11月30日 is wider than 11/30 was).
    top, bottom, left, right = 10, 30, 40, 16
    plot_h = height - top - bottom
    slot = (width - left - right) / max(len(points), 1)
    max_value = max([p.actual for p in points] + [p.plan or 0 for p in points] + [1])
    # Counts are whole: an odd top (促成 3 a week) is raised by one so that the middle
    # gridline stands at a whole number, and a top of 1 (nothing yet) has no middle line.
    max_value += max_value % 2 if max_value > 1 else 0
    bars = []
    for i, p in enumerate(points):
        x = left + i * slot
        actual_h = plot_h * p.actual / max_value
        plan_h = plot_h * (p.plan or 0) / max_value
        running = today is not None and p.week + datetime.timedelta(days=6) >= today
        bars.append(
            {
                "point": p,
                "x": round(x + slot * 0.15, 1),
                "w": round(slot * 0.7, 1),
                "x2": round(x + slot * 0.85, 1),
                "actual_y": round(top + plot_h - actual_h, 1),
                "actual_h": round(actual_h, 1),
                "plan_y": round(top + plot_h - plan_h, 1),
                "label_x": round(x + slot / 2, 1),
                "label_y": height - 10,
                "labelled": (len(points) - 1 - i) % label_every == 0,
                "running": running,
                "short": p.plan is not None and p.actual < p.plan and not running,
            }
        )
    values = (0, max_value // 2, max_value) if max_value > 1 else (0, 1)
    gridlines = [{"y": round(top + plot_h - plot_h * v / max_value, 1), "value": v} for v in values]
    return Chart(width, height, bars, max_value, gridlines)


# --- weekly review ---------------------------------------------------------------


@dataclass
class PlannedVisitCheck:
    planned: PlannedVisit
    happened: bool


class PlannedVisitChecks(list):
    """The checks of a week's planned visits, with how many were made: the RM read down
    twenty names and their badges to learn the plan was kept in 12."""

    @property
    def visited(self) -> int:
        return sum(check.happened for check in self)


def planned_visits_check(author: User, week: datetime.date) -> PlannedVisitChecks:
    """Last week's plan for `week` against this week's visit records (by prospect or name).
    A planned customer is visited once however often she was seen, on any day of it."""
    previous = WeeklyReview.objects.filter(
        author=author, week_start=week - datetime.timedelta(weeks=1)
    ).first()
    if previous is None:
        return PlannedVisitChecks()
    planned = list(previous.planned_visits.all())
    if not planned:
        return PlannedVisitChecks()
    visits = VisitRecord.objects.filter(
        log__author=author,
        log__date__range=(week, week + datetime.timedelta(days=6)),
        log__status__in=COUNTED_STATUSES,
    ).values_list("prospect_id", "customer")
    prospect_ids, names, unlinked_names = set(), set(), set()
    for prospect_id, customer in visits:
        if prospect_id:
            prospect_ids.add(prospect_id)
        else:
            unlinked_names.add(customer_key(customer))
        names.add(customer_key(customer))
    # A planned prospect is seen by a visit to her, or one typed by her name alone; a
    # visit to another prospect of that name is someone else's (王先生 at two numbers).
    return PlannedVisitChecks(
        PlannedVisitCheck(
            p,
            p.prospect_id in prospect_ids or customer_key(p.customer) in unlinked_names
            if p.prospect_id is not None
            else customer_key(p.customer) in names,
        )
        for p in planned
    )


def manager_comments(author: User, week: datetime.date, reader: User) -> QuerySet[DailyLog]:
    """The RM's sign-off comments (批示) on the AM's logs that week. A return reason is
    not one: it asked for a correction the AM has made, or still sees on the log.
    `opens`: whether `reader` may open the log. An AM who moved mid-week has that week's
    review read by her new managers, whose links to her old region's logs were 404s."""
    return (
        DailyLog.objects.filter(
            author=author, date__range=(week, week + datetime.timedelta(days=6))
        )
        .exclude(manager_comment="")
        .only("pk", "date", "manager_comment")
        .annotate(opens=Exists(logs_visible_to(reader).filter(pk=OuterRef("pk"))))
        .order_by("date")
    )


def own_weekly_review(user: User, week: datetime.date) -> WeeklyReview | None:
    return (
        WeeklyReview.objects.filter(author=user, week_start=week)
        .prefetch_related("lines", "planned_visits")
        .select_related("reviewed_by")
        .first()
    )


def own_monthly_sheet(user: User, month: datetime.date) -> MonthlyGoalSheet | None:
    return (
        MonthlyGoalSheet.objects.filter(author=user, month=month)
        .prefetch_related("lines")
        .select_related("agreed_by")
        .first()
    )


def reviews_waiting_for(user: User) -> QuerySet[WeeklyReview]:
    return (
        WeeklyReview.objects.filter(org.signed_off_by_q(user), status=ReviewStatus.SUBMITTED)
        .select_related("author", "region")
        .order_by("week_start", "submitted_at", "pk")
    )


def monthly_sheets_waiting_for(user: User) -> QuerySet[MonthlyGoalSheet]:
    """Sheets to agree, and agreed sheets whose AM asks for a change: once the bell's
    notice was read, the request was nowhere on the RM's pages until answered."""
    return (
        MonthlyGoalSheet.objects.filter(
            Q(status=SheetStatus.SUBMITTED)
            | Q(status=SheetStatus.AGREED, change_requested_at__isnull=False),
            org.signed_off_by_q(user),
        )
        .select_related("author", "region")
        .order_by("month", "submitted_at", "pk")
    )


@dataclass
class NotHandedIn:
    """Who in a manager's regions has not handed in a sheet that is due."""

    week: datetime.date | None  # the latest week whose review is past its deadline
    deadline: datetime.datetime | None
    without_review: list[User]
    month: datetime.date
    without_sheet: list[User]

    def __bool__(self) -> bool:
        return bool(self.without_review or self.without_sheet)


# How far back the latest week owing a review is looked for past weeks the branch had off.
OFF_WEEKS_SKIPPED = datetime.timedelta(weeks=3)


def _worked_in(rules: BranchRules, start: datetime.date, end: datetime.date) -> Exists:
    """The member was in a region (any) on a working day of [start, end]: someone who
    joined on Saturday 31 October owes no review of that week and no goal sheet for
    October, having no working day in either. Judged from the first and last working
    days, so a membership that falls wholly between two of them (within a holiday) counts."""
    days = rules.working_days(start, end)
    if not days:
        return Exists(RegionMembership.objects.none())
    return Exists(
        RegionMembership.objects.overlapping(days[0], days[-1]).filter(user_id=OuterRef("user_id"))
    )


def not_handed_in(user: User, now: datetime.datetime | None = None) -> NotHandedIn:
    """The AMs of the regions `user` reviews with no weekly review handed in for the
    latest week past its deadline (on a Monday, last week's, due Saturday), and with no
    goal sheet handed in for this month (a reopened one counts as not handed in). The
    waiting lists showed only what had come in; who had not was one plan page per AM.
    A fixed number of queries whatever the number of regions and AMs."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    regions = list(org.regions_signed_off_by(user).open_on(today))
    month = periods.month_start(today)
    if not regions:
        return NotHandedIn(None, None, [], month, [])
    # Regions of one branch share a deadline and a calendar: the branch of most of them.
    branch_ids = [region.branch_id for region in regions]
    branch_id = max(set(branch_ids), key=branch_ids.count)
    settings = branch_settings(branch_id)
    week = periods.week_start(today)
    earliest = week - datetime.timedelta(weeks=1) - OFF_WEEKS_SKIPPED
    month_end = periods.period_end(PeriodKind.MONTH, month)
    # One calendar for the weeks looked back over, the month and the deadlines' days.
    rules = rules_for(
        branch_id,
        min(earliest, month),
        max(month_end, week + datetime.timedelta(days=6) + DEADLINE_MOVES_AT_MOST),
        settings=settings,
    )
    # The latest week past its deadline, which a holiday moves later (the review of 28
    # September 2026 is due on 8 October), and with a working day: a week the branch had
    # off (春节 2026: 16–22 February) owes no review. On the 24th every AM was listed,
    # and reminded, for it, and the week before, due on its 调休 Saturday, was not.
    while week > earliest and (
        now < review_deadline(settings, week, rules)
        or not rules.count(week, week + datetime.timedelta(days=6))
    ):
        week -= datetime.timedelta(weeks=1)
    region_ids = [region.pk for region in regions]
    week_end = week + datetime.timedelta(days=6)
    # A week's review is filed with the region she ended the week in (`region_during`),
    # whose RM reviews it: one who moved away on its Wednesday was listed, and reminded,
    # by the RM she had left too.
    moved_on = RegionMembership.objects.overlapping(week, week_end).filter(
        user_id=OuterRef("user_id"), start_date__gt=OuterRef("start_date")
    )
    in_week = {
        m.user_id: m.user
        for m in org.members_during(region_ids, week, week_end)
        .exclude(Exists(moved_on))
        .filter(_worked_in(rules, week, week_end))
        if m.user_id != user.pk and m.user.is_active  # someone who left owes nothing
    }
    this_month = {
        m.user_id: m.user
        for m in org.members_during(region_ids, today, today).filter(
            _worked_in(rules, month, month_end)
        )
        if m.user_id != user.pk and m.user.is_active
    }
    reviewed = set(
        WeeklyReview.objects.filter(author_id__in=list(in_week), week_start=week)
        .exclude(status=ReviewStatus.DRAFT)
        .values_list("author_id", flat=True)
    )
    sheets = set(
        MonthlyGoalSheet.objects.filter(author_id__in=list(this_month), month=month)
        .exclude(status=SheetStatus.DRAFT)
        .values_list("author_id", flat=True)
    )
    without_review = [u for uid, u in in_week.items() if uid not in reviewed]
    without_sheet = [u for uid, u in this_month.items() if uid not in sheets]
    org.tell_apart([*without_review, *without_sheet])
    return NotHandedIn(
        week, review_deadline(settings, week, rules), without_review, month, without_sheet
    )


# --- tracked items -----------------------------------------------------------------


def items_visible_to(user: User) -> QuerySet[TrackedItem]:
    """Items assigned to or by the user, and those they stand in for (`may_manage_item`).
    Managers above see nothing else: items are personal. Someone who handed an item down
    still reads it once it passed to others (`_passed_on_q`)."""
    if not (user.is_authenticated and user.is_active):
        return TrackedItem.objects.none()
    return TrackedItem.objects.filter(Q(assignee=user) | Q(assigner=user) | _stand_in_q(user))


def _passed_on_q(today=None) -> Q:
    """Handed-down items whose assigner no longer tracks them: they left, or (still
    here) no longer line-manage the assignee: they moved to another region or branch,
    or the assignee moved away from them. Whoever manages the assignee now does
    (`_stand_in_q`), as `assignable_people` reads "manages". An item to someone who
    left stays with its assigner: nobody manages a leaver."""
    today = today or timezone.localdate()
    assigner = OuterRef("assigner_id")
    over_member = (
        RegionMembership.objects.on(today)
        .filter(user_id=OuterRef("assignee_id"))
        .filter(
            Q(region__manager_id=assigner)
            | Q(region__area__manager_id=assigner)
            | Q(region__branch__head_id=assigner)
        )
    )
    over_manager = Region.objects.filter(manager_id=OuterRef("assignee_id")).filter(
        Q(area__manager_id=assigner) | Q(branch__head_id=assigner)
    )
    return ~Q(assignee=F("assigner")) & (
        Q(assigner__is_active=False)
        | (Q(assignee__is_active=True) & ~Exists(over_member) & ~Exists(over_manager))
    )


def _stand_in_q(user: User, today=None) -> Q:
    """Items passed on (`_passed_on_q`) to someone `user` line-manages now."""
    people = assignable_people(user, today).exclude(pk=user.pk).values("pk")
    return _passed_on_q(today) & Q(assignee__in=people) & ~Q(assigner=user)


def _managed_q(user: User) -> Q:
    """Items `user` tracks to closure (`may_manage_item`)."""
    return (Q(assigner=user) & ~_passed_on_q()) | _stand_in_q(user)


def items_listed(items: QuerySet[TrackedItem]) -> QuerySet[TrackedItem]:
    """`items` as the items page lists them: open ones first, soonest due first; then
    the done and cancelled, latest due first (a year of an RM's items is thousands)."""
    closed = Case(
        When(status__in=[ItemStatus.DONE, ItemStatus.CANCELLED], then=Value(1)),
        default=Value(0),
    )
    open_due = Case(When(status__in=[ItemStatus.OPEN, ItemStatus.IN_PROGRESS], then="due_date"))
    return items.select_related("assignee", "assigner").order_by(
        closed, open_due.asc(nulls_last=True), "-due_date", "pk"
    )


def items_left_behind(user: User) -> QuerySet[TrackedItem]:
    """Items `user` stands in for (`may_manage_item`), for the items page."""
    if not (user.is_authenticated and user.is_active):
        return TrackedItem.objects.none()
    return TrackedItem.objects.filter(_stand_in_q(user))


def items_handed_down(user: User) -> QuerySet[TrackedItem]:
    """Items `user` handed down to others and still tracks (the items page): not those
    passed on to the assignee's manager since (`_passed_on_q`)."""
    if not (user.is_authenticated and user.is_active):
        return TrackedItem.objects.none()
    return TrackedItem.objects.filter(assigner=user).exclude(assignee=user).exclude(_passed_on_q())


def may_manage_item(user: User, item: TrackedItem) -> bool:
    """Whoever handed an item down tracks it to closure while they manage its assignee.
    Once they have left, or moved away from the assignee (another region or branch),
    the assignee's line managers now (their region's manager, its area manager, the
    branch head) do: a departed RM's items were nobody's to cancel, change or reopen,
    and a moved RM's stayed hers while the new RM could not touch them (QA)."""
    if item.assignee_id == item.assigner_id:
        return item.assigner_id == user.pk
    if not (user.is_authenticated and user.is_active):
        return False
    return TrackedItem.objects.filter(pk=item.pk).filter(_managed_q(user)).exists()


def item_manager_to_tell(item: TrackedItem, today=None) -> User | None:
    """Who hears of the assignee's changes to an item: whoever handed it down, or once it
    passed on (`_passed_on_q`), whoever signs the assignee's logs now (or nobody there is)."""
    today = today or timezone.localdate()
    if not TrackedItem.objects.filter(pk=item.pk).filter(_passed_on_q(today)).exists():
        return item.assigner
    assignee = item.assignee
    membership = org.membership_on(assignee, today)
    region = (
        membership.region
        if membership is not None
        else Region.objects.filter(manager=assignee).order_by("pk").first()
    )
    if region is None:
        return None
    region = Region.objects.select_related("manager", "area__manager", "branch__head").get(
        pk=region.pk
    )
    return org.region_signer(region, author_id=assignee.pk)


def get_item_for_user(user: User, pk: int) -> TrackedItem:
    return get_object_or_404(items_visible_to(user).select_related("assignee", "assigner"), pk=pk)


def item_notified_to(user: User, pk: int) -> bool:
    """Whether `user`'s bell links to this item (for one no longer theirs to see: they
    stood in for its assigner, `_stand_in_q`, until its assignee moved on)."""
    return notified_of(user, reverse("planning:item_detail", kwargs={"pk": pk}))


# A home page's card of overdue items shows the oldest this many, and how many more.
OVERDUE_SHOWN = 10


DUE_SOON_DAYS = 3  # today, tomorrow and the day after


class OverdueItems(list):
    """The oldest overdue items (at most OVERDUE_SHOWN), and `total`: how many there are;
    `due_soon`: the user's own open items due in the next DUE_SOON_DAYS days."""

    total = 0
    due_soon = ()

    @property
    def more(self) -> int:
        return self.total - len(self)


def overdue_items(user: User, today=None) -> OverdueItems:
    """Open items past their due date that the user owns or tracks (home pages): not
    those passed on from them to the assignee's manager now (`_passed_on_q`). The
    oldest OVERDUE_SHOWN: a branch head's card listed every late item of the branch
    above her day's figures; the items page lists them all, the overdue first."""
    today = today or timezone.localdate()
    if not (user.is_authenticated and user.is_active):
        return OverdueItems()
    if user.role == Role.ACCOUNT_MANAGER and not org.regions_line_managed_by(user).exists():
        # Someone who manages no region stands in for nobody and tracks, of what she
        # handed down, only what went to a leaver (`_passed_on_q`). Saying so directly
        # costs a small query; building the general condition cost 5 ms of every AM's
        # log page. (Managers' pages skip the query: they take the general way.)
        tracked = Q(assigner=user, assignee__is_active=False)
    else:
        tracked = _managed_q(user)
    items = OverdueItems(
        TrackedItem.objects.filter(Q(assignee=user) | tracked)
        .filter(due_date__lt=today)
        .exclude(status__in=TrackedItem.CLOSED)
        .select_related("assignee", "assigner")
        # How many in all, counted in the same query (a window over the matching rows).
        .annotate(overdue_total=Window(Count("pk")))
        .order_by("due_date", "pk")[:OVERDUE_SHOWN]
    )
    items.total = items[0].overdue_total if items else 0
    # Her own only, nearest first: a manager's card listing every item of the branch
    # due this week would bury the late ones. The items page lists the rest.
    items.due_soon = list(
        TrackedItem.objects.filter(
            assignee=user,
            due_date__range=(today, today + datetime.timedelta(days=DUE_SOON_DAYS - 1)),
        )
        .exclude(status__in=TrackedItem.CLOSED)
        .select_related("assigner")
        .order_by("due_date", "pk")[:OVERDUE_SHOWN]
    )
    org.tell_apart(
        [
            *(item.assignee for item in items),
            *(item.assigner for item in [*items, *items.due_soon]),
        ]
    )
    return items


def assignable_people(user: User, today=None) -> QuerySet[User]:
    """Who `user` may hand items to: active AMs of the regions they line-manage, and
    the RMs of those regions (for area managers and branch heads); and themselves."""
    from accounts.models import RegionMembership

    today = today or timezone.localdate()
    regions = org.regions_line_managed_by(user)
    member_ids = RegionMembership.objects.on(today).filter(region__in=regions).values("user_id")
    manager_ids = regions.exclude(manager=user).exclude(manager__isnull=True).values("manager_id")
    return User.objects.filter(
        Q(pk__in=member_ids) | Q(pk__in=manager_ids) | Q(pk=user.pk), is_active=True
    ).order_by(by_name_pinyin("name"), "employee_no")


def open_item_statuses():
    return [s for s in ItemStatus.values if s not in TrackedItem.CLOSED]


def can_edit_item(user: User, item: TrackedItem) -> bool:
    """The assigner (`may_manage_item`) corrects title, details and due date while the
    item is still open."""
    return item.status not in TrackedItem.CLOSED and may_manage_item(user, item)
