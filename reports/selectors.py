"""The region-by-region weekly summary (各区域工作量周总结) and its drill-downs.

One computation serves the live page, the per-AM drill-down and the weekly roll-up,
so a snapshot holds exactly what the live page showed. Its parts:

- actual (实际): `planning.selectors.actuals`, the one read of the logs (submitted and
  signed-off logs, counted in the region of their day);
- target (标准): `planning.selectors.TargetBook` per week (explicit, else the sum of
  the members' targets, else pro rata from the month), pro rata by working days when
  the period covers part of a week; a period of whole calendar months takes the month
  targets instead, the figure the plan pages show (the annual breakdown files a week
  under the month of its Monday, so November's weeks run to 6 December);
- headcount (人数): each account manager counts for the share of the period's working
  days they were a member, so someone who joined on Wednesday counts 0.6 in a
  five-day week, and a leaver who left on Tuesday counts 0.4;
- per head (人均) = actual ÷ headcount; completion (完成率) = actual ÷ target, shown
  "—" when there is no target; the task completion (任务完成率) is planning's weighted
  score with the branch's cap.
"""

import copy
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    Prefetch,
    Q,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as org
from accounts.models import Branch, Region, RegionMembership, User
from activity.models import DailyLog, LogEvent, LogStatus, Metric
from activity.selectors import active_metrics
from activity.services import LATE_GRACE
from config.lists import joined
from planning import periods
from planning.calendar import BranchRules, rules_for, rules_for_branches
from planning.models import PeriodKind
from planning.selectors import (
    COUNTED_STATUSES,
    Source,
    TargetBook,
    actuals,
    branch_settings,
    completion,
    membership_shares,
    metrics_counted,
    weighted_score,
)

from .models import BranchReportSettings, MetricWeekSnapshot, RegionWeekSnapshot, RollupRun

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass
class MetricCell:
    metric: Metric
    target: Decimal | None
    actual: int
    headcount: Decimal
    # What the people the target covers did, on the days it covers them (None: the
    # actual). A region whose target sums the two AMs with an agreed sheet read 1,468 %
    # against what all ten did.
    covered_actual: int | None = None

    @property
    def completion(self) -> Decimal | None:
        covered = self.actual if self.covered_actual is None else self.covered_actual
        return completion(covered, self.target)

    @property
    def covered_part(self) -> int | None:
        """What the completion divides when it is not the actual: the target covers only
        some of the people, or of their days. None when it is the actual. QA: a region
        read 拜访 target 6, actual 28, 200 %, with nothing saying the 200 % was one AM's
        12 against her own 6 (its other metrics' targets covered everyone, so the row
        said nothing of coverage)."""
        if self.target is None or self.covered_actual is None:
            return None
        return None if self.covered_actual == self.actual else self.covered_actual

    @property
    def per_head(self) -> Decimal | None:
        return Decimal(self.actual) / self.headcount if self.headcount else None

    @property
    def target_per_head(self) -> Decimal | None:
        if self.target is None or not self.headcount:
            return None
        return self.target / self.headcount


@dataclass
class SummaryRow:
    key: int  # region id or user id
    label: str
    headcount: Decimal
    cells: list[MetricCell]
    expected_logs: int = 0  # working days before today, and today's logs handed in
    submitted_logs: int = 0  # handed in, and either signed off or past the sign-off deadline
    on_time_logs: int = 0
    signed_on_time_logs: int = 0
    cap: Decimal | None = None  # the branch's completion cap, for the weighted score
    stale: bool = False
    note: str = ""  # said under the table (a region's own-target line: why it differs)
    people: int = 0  # account managers in it on a working day of the period
    target_people: int | None = None  # of them, those the targets cover (None: all)
    # The headcount before rounding to the 0.01 shown (None: `headcount` is exact). A
    # total adds these and rounds once: 3 regions of 1⅓ heads read 1.33 each, and their
    # total 4, not 3.99 (QA); its per head divides by that 4.
    exact_headcount: Decimal | None = None

    @property
    def unrounded_headcount(self) -> Decimal:
        return self.headcount if self.exact_headcount is None else self.exact_headcount

    @cached_property
    def score(self) -> Decimal | None:
        """Weighted task completion; computed when shown (a roll-up stores none)."""
        return weighted_score(self.cells, self.cap)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time_logs, self.expected_logs)

    @property
    def signed_on_time_rate(self) -> Decimal | None:
        return _rate(self.signed_on_time_logs, self.submitted_logs)

    def cell(self, metric_id: int) -> MetricCell:
        return next(c for c in self.cells if c.metric.pk == metric_id)

    @property
    def coverage(self) -> tuple[int, int] | None:
        """(people with a target, people) when a target covers only some of them."""
        if self.target_people is None or self.target_people >= self.people:
            return None
        if all(c.target is None for c in self.cells):
            return None  # "—" already says there is no target
        return self.target_people, self.people

    @property
    def partly_covered(self) -> bool:
        """Whether a completion of this row divides less than its actual (`covered_part`)."""
        return any(c.covered_part is not None for c in self.cells)

    @property
    def coverage_text(self) -> str:
        if self.coverage is None:
            return ""
        covered, people = self.coverage
        return _("target covers %(covered)s/%(people)s") % {"covered": covered, "people": people}

    @property
    def coverage_note(self) -> str:
        """Under the table: what "target covers 2/10" means (this row's figures)."""
        if self.coverage is None:
            return ""
        covered, people = self.coverage
        return _(
            '"Target covers %(covered)s/%(people)s": only %(covered)s of the %(people)s '
            "account managers have a target for the period (the others' goal sheets are not "
            "agreed yet, for instance). Completion compares the target with what those who "
            "have one did, on the days it covers them; the actual counts everyone."
        ) % {"covered": covered, "people": people}

    @property
    def covered_part_note(self) -> str:
        """Under the table: what a completion's "on 12" means (`MetricCell.covered_part`)."""
        if not self.partly_covered:
            return ""
        return _(
            'A completion marked "on N" compares the target with N: what the account '
            "managers the target covers did, on the days it covers them. The actual counts "
            "everyone, those without a target too."
        )


def _rate(part: int, whole: int) -> Decimal | None:
    return Decimal(part) * 100 / whole if whole else None


@dataclass
class Summary:
    branch: Branch
    start: datetime.date
    end: datetime.date
    metrics: list[Metric]
    rows: list[SummaryRow]
    total: SummaryRow
    cap: Decimal
    highlight_below: Decimal
    from_snapshot: bool = False
    computed_at: datetime.datetime | None = None
    runs: list = field(default_factory=list)
    # The part of the branch the reader sees ("城东片区"), "" for all of it.
    part: str = ""

    @property
    def stale(self) -> bool:
        return any(row.stale for row in self.rows)


# --- the computation ---------------------------------------------------------------


def _weeks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    week, weeks = periods.week_start(start), []
    while week <= end:
        weeks.append(week)
        week += datetime.timedelta(weeks=1)
    return weeks


def whole_months(start: datetime.date, end: datetime.date) -> list[datetime.date] | None:
    """The first days of the calendar months [start, end] consists of, or None when it
    is not a run of whole months."""
    if start.day != 1 or end != periods.period_end(PeriodKind.MONTH, periods.month_start(end)):
        return None
    months, month = [], start
    while month <= end:
        months.append(month)
        month = periods.add_months(month, 1)
    return months


def span_kind(start: datetime.date, end: datetime.date) -> str:
    """ "week" (a week, or its days so far), "month" (one calendar month) or "" (any other
    span): what the page and its Excel file call the summary. QA: a month's summary
    was titled 周总结."""
    monday = periods.week_start(start)
    if start == monday and end < monday + datetime.timedelta(days=7):
        return "week"
    months = whole_months(start, end)
    return "month" if months is not None and len(months) == 1 else ""


def _week_factors(rules: BranchRules, start, end) -> dict[datetime.date, Decimal]:
    """Share of each overlapping week's target that falls inside [start, end]."""
    factors = {}
    for week in _weeks(start, end):
        week_end = week + datetime.timedelta(days=6)
        in_week = rules.count(week, week_end)
        if in_week:
            factors[week] = Decimal(rules.count(max(week, start), min(week_end, end))) / in_week
    return factors


def _compliance(facts, is_working_day) -> dict[int, list[int]]:
    """Subject → [handed in, on time, signed off on time, handed in and due for sign-off].

    A log whose sign-off may still come in time counts for the sign-off rate only once
    signed: at 9:00 on Monday, Friday's unsigned logs are not late yet. A log of a day
    nobody owed one (a Saturday, a holiday entered after the logs) still waits for a
    sign-off, but it is not an on-time log of a working day: 日志按时率 read 125 %."""
    result = defaultdict(lambda: [0, 0, 0, 0])
    for subject, day, handed_in, on_time, signed_on_time, due in facts:
        counts = result[subject]
        counts[0] += handed_in
        counts[1] += on_time if is_working_day(day) else 0
        counts[2] += signed_on_time
        counts[3] += due
    return result


def _last_day_due(rules: BranchRules, today: datetime.date) -> datetime.date:
    """The last day a log may have reached its RM and be past its sign-off deadline by
    `today` (deadlines only move later with the day, so every day before is past too)."""
    day = today - datetime.timedelta(days=1)
    while day + datetime.timedelta(days=_sign_off_lag(rules, day)) >= today:
        day -= datetime.timedelta(days=1)
    return day


def _sign_off_lag(rules: BranchRules, day: datetime.date) -> int:
    """How many days after `day` a sign-off is still on time: up to the end of the next
    working day (a Friday's log may be signed off on Monday)."""
    lag = 1
    while not rules.is_working_day(day + datetime.timedelta(days=lag)) and lag < 15:
        lag += 1
    return lag


def _signoff_lags(rules: BranchRules, first, last) -> dict[int, list[datetime.date]]:
    """The days of [first, last] by their sign-off lag (`_sign_off_lag`)."""
    by_lag = defaultdict(list)
    day = first
    while day <= last:
        by_lag[_sign_off_lag(rules, day)].append(day)
        day += datetime.timedelta(days=1)
    return by_lag


def _signed_day():
    """The day a log was signed off, with the grace a log handed in gets (`LATE_GRACE`): a
    tap on 签批 at 23:59 on the deadline's day that reaches the server after midnight is
    in time, as an AM's 提交 is. It counted against the RM's 签批及时率."""
    return TruncDate(
        ExpressionWrapper(F("signed_off_at") - LATE_GRACE, output_field=DateTimeField())
    )


def _log_facts(
    *,
    branch_regions: dict[int, list[int]],
    rules: dict[int, BranchRules],
    subject: str,
    first,
    last,
    author_ids,
    today,
):
    """Per subject and day: logs handed in, handed in on time, signed off on time, and
    due for sign-off (past their deadline by `today`, or signed off in time already).

    The deadline runs from the day the log reached the RM: its own day, or the later
    day it was first handed in (`DailyLog.handed_in_on`: the RM cannot sign a log before
    it comes, and a log for 1 January handed in on 11 January read as signed late on
    arrival; a Saturday's handed in on Monday is no 补交 but came on Monday). Counted in
    the database, one row per subject and day, since this read scans every log of the
    span: the on-time sign-off test is written per branch calendar as "the logs that
    reached the RM on a day with lag n, signed off by that day + n" instead of grouping
    by the sign-off day. A log handed in after its day reaches the RM later: the lags are
    listed up to a month after the span (a year-old week's rebuild listed a year of
    days), and a log handed in later still gets the span's longest."""
    reached_by = min(max(last, timezone.localdate()), last + LATE_LOG_DAYS)
    groups = defaultdict(list)  # one condition per distinct calendar, not per branch
    for branch_id, region_ids in branch_regions.items():
        lags = _signoff_lags(rules[branch_id], first, reached_by)
        key = tuple(sorted((lag, tuple(days)) for lag, days in lags.items()))
        groups[(key, _last_day_due(rules[branch_id], today))] += region_ids
    signed_in_time, past_deadline = Q(), Q()
    for (lags, last_due), region_ids in groups.items():
        # Most logs reached the RM on their day: tested on their date column; the few
        # handed in later, on the day stored at their hand-in (no time zone per log).
        on_its_day = Q(handed_in_on__isnull=True)
        in_time = Q(
            handed_in_on__gt=reached_by,
            signed_day__lte=F("handed_in_on")
            + datetime.timedelta(days=max(lag for lag, _ in lags)),
        )
        for lag, days in lags:
            lag = datetime.timedelta(days=lag)
            in_time |= on_its_day & Q(date__in=days, signed_day__lte=F("date") + lag)
            in_time |= Q(handed_in_on__in=days, signed_day__lte=F("handed_in_on") + lag)
        past = (on_its_day & Q(date__lte=last_due)) | Q(handed_in_on__lte=last_due)
        if len(groups) > 1:
            in_time &= Q(region_id__in=region_ids)
            past &= Q(region_id__in=region_ids)
        signed_in_time |= in_time
        past_deadline |= past
    region_ids = [pk for ids in branch_regions.values() for pk in ids]
    logs = DailyLog.objects.filter(region_id__in=region_ids, date__range=(first, last))
    if author_ids is not None:
        logs = logs.filter(author_id__in=author_ids)
    handed_in = Q(submitted_at__isnull=False)
    # A log sent back (returned or reopened) is judged apart, by its history
    # (`_sent_back_facts`): few logs ever are, and a test of their history inside this
    # scan made a year's read of every log ten times slower.
    kept = handed_in & Q(return_reason="")
    signed_off_in_time = Q(status=LogStatus.SIGNED_OFF) & signed_in_time
    facts = list(
        logs.alias(signed_day=_signed_day())
        .values_list(subject, "date")
        .annotate(
            handed_in=Count("pk", filter=handed_in),
            on_time=Count("pk", filter=handed_in & Q(is_late=False)),
            signed_on_time=Count("pk", filter=kept & signed_off_in_time),
            # A log whose sign-off may still come in time counts once signed.
            due=Count("pk", filter=kept & (past_deadline | signed_off_in_time)),
            sent_back=Count("pk", filter=handed_in & ~Q(return_reason="")),
        )
        .order_by()
    )
    if any(fact[-1] for fact in facts):
        region_branch = {pk: branch for branch, ids in branch_regions.items() for pk in ids}
        facts += _sent_back_facts(
            logs.exclude(return_reason=""), subject, region_branch, rules, today
        )
    return [fact[:6] for fact in facts]


def _sent_back_facts(logs, subject, region_branch, rules, today):
    """The sign-off facts of logs returned to their author (or reopened) at least once:
    (subject, day, 0, 0, signed off in time, due for sign-off), as `_log_facts` counts.

    Each time a log reached the RM (handed in, handed in again after a return), the RM
    had until the end of the next working day to answer it, by a return or a sign-off.
    A return in time is the RM acting in time: the corrected log's deadline runs from
    the day it came back. A log back with its author waits on nobody but her. Judged
    by its first hand-in alone, a log returned on time and signed off the day it came
    back a week later counted as signed late, and while it was back with the AM, as
    overdue: the RM who checked carefully read a worse 签批及时率 than one who did not."""
    logs = logs.prefetch_related(
        Prefetch(
            "events",
            queryset=LogEvent.objects.order_by("created_at", "pk").only(
                "log_id", "action", "created_at"
            ),
        )
    )
    facts = []
    for log in logs.only(
        "pk",
        subject,
        "region_id",
        "date",
        "status",
        "handed_in_on",
        "submitted_at",
        "signed_off_at",
    ):
        if log.submitted_at is None:
            continue
        branch_rules = rules[region_branch[log.region_id]]
        # The first hand-in reached the RM on the log's day, or the later day stored.
        waiting = log.handed_in_on or log.date
        answered_late = False
        for event in log.events.all():
            if event.action == LogEvent.Action.RESUBMITTED:
                waiting = timezone.localdate(event.created_at)
            elif waiting and event.action in (
                LogEvent.Action.RETURNED,
                LogEvent.Action.SIGNED_OFF,
            ):
                answered = timezone.localdate(event.created_at - LATE_GRACE)
                lag = datetime.timedelta(days=_sign_off_lag(branch_rules, waiting))
                answered_late |= answered > waiting + lag
                waiting = None
        if waiting and log.status == LogStatus.SIGNED_OFF:  # a sign-off left no event
            answered = timezone.localdate(log.signed_off_at - LATE_GRACE)
            answered_late |= answered > waiting + datetime.timedelta(
                days=_sign_off_lag(branch_rules, waiting)
            )
            waiting = None
        signed = log.status == LogStatus.SIGNED_OFF and not answered_late
        overdue = (
            log.status == LogStatus.SUBMITTED
            and bool(waiting)
            and (waiting <= _last_day_due(branch_rules, today))
        )
        due = signed or answered_late or overdue
        facts.append((getattr(log, subject), log.date, 0, 0, int(signed), int(due)))
    return facts


Period = tuple[datetime.date, datetime.date]
LATE_LOG_DAYS = datetime.timedelta(days=31)  # see _log_facts


def _members_with_target(book: TargetBook, shares, kind, part, metric_id, derive) -> set[int]:
    """The members whose own targets a region's target adds up (`region_value`)."""
    return {
        user_id
        for user_id, share in shares.items()
        if share and book.user_value(user_id, kind, part, metric_id, derive=derive)[0] is not None
    }


def _rows(*, start: datetime.date, end: datetime.date, **kwargs) -> list[SummaryRow]:
    return _rows_for_periods(periods_=[(start, end)], **kwargs)[0]


@dataclass
class LogReads:
    """The two reads of the logs a summary needs, for some regions over a span of days.

    A rebuild of several branches reads them once for all of them: metric values can
    only be reached through their log, so each read scans the values of the span.
    """

    daily: dict  # (subject, day, metric id) → actual; with weekly=True the day is a Monday
    # day → [(subject, day, handed in, on time, signed off on time, due for sign-off)]
    facts_by_day: dict
    rules: dict  # branch id → its working calendar, from the month before the span on
    weekly: bool = False
    # Reads (region, author, day, metric id) → actual: see `by_member`.
    read_by_member: Callable[[], dict] | None = None

    @cached_property
    def by_member(self) -> dict:
        """By region and author: (region, author, day, metric id) → actual, for the
        completion of a target that covers only some of a region's people. Read only
        when a row needs it: grouped by author, the read returns ~50 times the rows, and
        a region with targets of its own never does."""
        return self.read_by_member() if self.read_by_member else {}

    @classmethod
    def load(
        cls,
        *,
        by: str,
        branch_regions: dict[int, list[int]],
        author_ids,
        first,
        last,
        today: datetime.date,
        weekly: bool = False,
    ) -> "LogReads":
        """branch_regions: branch id → the region ids to read (each branch has its own
        working calendar). weekly=True when every period is a whole Monday–Sunday week
        (roll-ups): the actuals are then grouped by week in the database, ~7 times fewer
        rows.

        Every metric is summed, active or not: the rows are looked up by metric, and a
        metric filter would be tested on each of millions of values (~15 % of a rebuild)."""
        # Wide enough for the target cascade (whole months) and for next-working-day tests.
        rules = rules_for_branches(
            branch_regions,
            periods.month_start(periods.week_start(first)) - datetime.timedelta(days=7),
            # A late log's sign-off deadline runs from the day it was handed in; a derived
            # week's target splits the whole month of its Sunday.
            max(
                periods.period_end(PeriodKind.MONTH, periods.month_start(last)),
                timezone.localdate(),
            )
            + datetime.timedelta(days=15),
        )
        region_ids = [pk for ids in branch_regions.values() for pk in ids]
        unit = "week" if weekly else "day"

        def read(*group):
            return actuals(
                start=first, end=last, region_ids=region_ids, author_ids=author_ids, by=group
            )

        daily = read(by, unit)
        facts_by_day = defaultdict(list)
        for fact in _log_facts(
            branch_regions=branch_regions,
            rules=rules,
            subject="region_id" if by == "region" else "author_id",
            first=first,
            last=last,
            author_ids=author_ids,
            today=today,
        ):
            facts_by_day[fact[1]].append(fact)
        return cls(
            daily=daily,
            facts_by_day=facts_by_day,
            rules=rules,
            weekly=weekly,
            read_by_member=(lambda: read(by, "author", unit)) if by == "region" else None,
        )


def _rows_for_periods(
    *,
    branch_id: int,
    subjects: list[tuple[int, str]],
    by: str,
    region_ids: list[int],
    periods_: list[Period],
    today: datetime.date,
    metrics: list[Metric],
    cap: Decimal,
    reads: LogReads | None = None,
    closed_on: dict | None = None,
    opened_on: dict | None = None,
) -> list[list[SummaryRow]]:
    """Rows for regions (by="region") or for the members of one region (by="author"),
    for each period. Every query spans all the periods at once (actuals grouped by
    subject and day), so rebuilding a year of weeks costs about one pass over the logs.
    `closed_on`: region id → last day, for the regions that closed (their own targets
    count for their open days, `TargetBook.region_value`); `opened_on`: region id → first
    day, the same for the regions created during the periods."""
    first = min(start for start, _end in periods_)
    last = max(end for _start, end in periods_)
    if reads is None:
        reads = LogReads.load(
            by=by,
            branch_regions={branch_id: region_ids},
            author_ids=[key for key, _ in subjects] if by == "author" else None,
            first=first,
            last=last,
            today=today,
        )
    daily, facts_by_day, rules = reads.daily, reads.facts_by_day, reads.rules[branch_id]
    # Plain tuples: a year of weeks walks every membership once per week.
    memberships = list(
        RegionMembership.objects.overlapping(first, last)
        .filter(region_id__in=region_ids)
        .values_list("user_id", "region_id", "start_date", "end_date")
    )
    book = TargetBook.load(
        rules=rules,
        user_ids={user_id for user_id, *_ in memberships},
        region_ids=region_ids,
        # From the month of the first week's Monday: a span from 1 December starts in
        # the week of 30 November, whose target is filed under November.
        start=periods.month_start(periods.week_start(first)),
        end=last,
        closed_on=closed_on,
        opened_on=opened_on,
    )

    # Most people stay in one region for the whole span: count them once, and walk only
    # the memberships that start or end inside it period by period.
    staying = defaultdict(set)  # region → user ids members over the whole span
    movers = []
    for membership in memberships:
        user_id, region_id, joined, left = membership
        if joined <= first and (left is None or left >= last):
            staying[region_id].add(user_id)
        else:
            movers.append(membership)
    staying_shares = defaultdict(dict, {r: dict.fromkeys(ids, ONE) for r, ids in staying.items()})
    staying_count = defaultdict(int)
    for region_id, user_ids in staying.items():
        if by == "region":
            staying_count[region_id] += len(user_ids)
        else:
            for user_id in user_ids:
                staying_count[user_id] += 1

    results = []
    for start, end in periods_:
        days_in_period = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
        working_days = rules.working_days(start, end)
        # Today's log is not due before the day is over: it counts once handed in.
        up_to_today = sum(1 for d in working_days if d < today)
        whole_period = defaultdict(int, staying_count)  # subject → people, days
        part_days = defaultdict(int)
        expected = defaultdict(int, {s: n * up_to_today for s, n in staying_count.items()})
        moved_in = defaultdict(set)  # region → movers in it on a working day of the period
        for user_id, region_id, joined, left in movers:
            subject = region_id if by == "region" else user_id
            if joined <= start and (left is None or left >= end):
                whole_period[subject] += 1
                expected[subject] += up_to_today
                moved_in[region_id].add(user_id)
            else:
                inside = [d for d in working_days if joined <= d and (left is None or d <= left)]
                part_days[subject] += len(inside)
                expected[subject] += sum(1 for d in inside if d < today)
                if inside:
                    moved_in[region_id].add(user_id)
        headcount = defaultdict(lambda: ZERO)
        for subject in whole_period.keys() | part_days.keys() if working_days else ():
            headcount[subject] = whole_period[subject] + (
                Decimal(part_days[subject]) / len(working_days)
            )

        # Whole months take the month targets; otherwise (or where nobody has a month
        # target) the weeks, pro rata for part of a week.
        months = whole_months(start, end)
        parts = {PeriodKind.WEEK: _week_factors(rules, start, end)}
        if months:
            parts[PeriodKind.MONTH] = dict.fromkeys(months, ONE)
        shares_in = {}  # (region, kind, period start) → {user id: share of it in the region}
        for kind, factors in parts.items():
            for part in factors:
                # A member's share of the part of it inside the period: with the factor
                # (the period's share of the week) that makes their target for the days
                # they were in the region. Shares of the whole week counted a member who
                # joined on Tuesday for 4/5 of a Monday-Tuesday span (60 % too much).
                part_start = max(part, start)
                part_end = min(periods.period_end(kind, part), end)
                moved = defaultdict(list)
                for user_id, region_id, joined, left in movers:
                    if joined <= part_end and (left is None or left >= part_start):
                        moved[region_id].append((user_id, joined, left))
                for region_id in staying.keys() | moved.keys():
                    shares = staying_shares[region_id]
                    if moved[region_id]:
                        shares = shares | membership_shares(
                            moved[region_id], rules, part_start, part_end
                        )
                    shares_in[(region_id, kind, part)] = shares

        # In whole months, someone without a month target has none from the weeks
        # either, unless a week has its own: a week derived from the months would lend
        # November's daily rate to December's first days, a target nobody agreed.
        derive_weeks = not months

        def done(key, user_id, first_day, last_day, metric_id, days=days_in_period):
            """What the row did in [first_day, last_day]; with user_id, that member only."""
            subject = (key,) if user_id is None else (key, user_id)
            actuals_of = daily if user_id is None else reads.by_member
            if reads.weekly:  # a whole week, whose one part is the week
                return actuals_of.get((*subject, days[0], metric_id), 0)
            return sum(
                actuals_of.get((*subject, d, metric_id), 0)
                for d in days
                if first_day <= d <= last_day
            )

        def target_by(
            kind,
            key: int,
            metric_id: int,
            parts=parts,
            shares_in=shares_in,
            derive=derive_weeks,
            span=(start, end),
            done=done,
        ):
            """(target, what the people it covers did, whom it covers: None for everyone)."""
            total, found_any, covered_actual, covered, everyone = ZERO, False, 0, set(), False
            for part, factor in parts[kind].items():
                if not factor:
                    # None of the week's working days is in the period (its weekend):
                    # it sets no target here. Counted, a period whose other weeks have
                    # none (December's, not set yet) read a target of 0, not "—" (QA).
                    continue
                # A whole week rounds each member's share as the plan page does; part
                # of one is pro rated again, so rounding there would count 12.5 as 13.
                rounded = factor == ONE
                first_day = max(part, span[0])
                last_day = min(periods.period_end(kind, part), span[1])
                # Part of a week across a month's end: each day at its own month's rate.
                days = None if rounded else (first_day, last_day)
                members = None  # whom the part's target covers: None for the whole row
                if by == "region":
                    shares = shares_in.get((key, kind, part), {})
                    value, source = book.region_value(
                        key,
                        shares,
                        kind,
                        part,
                        metric_id,
                        derive=derive,
                        rounded=rounded,
                        days=days,
                    )
                    if source == Source.MEMBERS:
                        members = _members_with_target(book, shares, kind, part, metric_id, derive)
                else:
                    share = shares_in.get((region_ids[0], kind, part), {}).get(key, ZERO)
                    value, _source = book.user_value_in_region(
                        key,
                        share,
                        kind,
                        part,
                        metric_id,
                        derive=derive,
                        rounded=rounded,
                        days=days,
                    )
                if value is None:
                    continue
                total += value * factor
                found_any = True
                # Like with like: the target of these people for these days, against
                # what they did on them.
                if members is None:
                    everyone = True
                    covered_actual += done(key, None, first_day, last_day, metric_id)
                else:
                    covered |= members
                    covered_actual += sum(
                        done(key, m, first_day, last_day, metric_id) for m in members
                    )
            if not found_any:
                return None, None, set()
            return total.quantize(Decimal("0.01")), covered_actual, None if everyone else covered

        def target(key: int, metric_id: int, parts=parts, target_by=target_by):
            for kind in (PeriodKind.MONTH, PeriodKind.WEEK):
                if kind in parts and (found := target_by(kind, key, metric_id))[0] is not None:
                    return found
            return None, None, set()

        compliance = _compliance(
            (f for day in days_in_period for f in facts_by_day[day]),
            rules.is_working_day,
        )
        if today in working_days:
            for subject, _day, handed_in, *_rest in facts_by_day[today]:
                expected[subject] += handed_in
        rows = []
        for key, label in subjects:
            exact_headcount = headcount[key]
            shown_headcount = exact_headcount.quantize(Decimal("0.01"))
            # Per head divides by the headcount shown (8.95), so the drill-down's total,
            # which rounds the sum of its AMs' unrounded shares once, reads the same 人均.
            # One AM's 人均 is their own figure: divided by half a head (joined mid-span)
            # their 5 visits read as 10.
            per_head_of = ONE if by == "author" and shown_headcount else shown_headcount
            cells, covered_people, everyone = [], set(), False
            for metric in metrics:
                if reads.weekly:
                    actual = daily.get((key, start, metric.pk), 0)
                else:
                    actual = sum(daily.get((key, day, metric.pk), 0) for day in days_in_period)
                value, covered_actual, covered = target(key, metric.pk)
                if value is not None and covered is None:
                    everyone = True
                covered_people |= covered or set()
                cells.append(MetricCell(metric, value, actual, per_head_of, covered_actual))
            if by == "region":
                people = len(staying.get(key, set()) | moved_in[key])
            else:
                people = 1
            _handed_in, on_time, signed, due = compliance.get(key, (0, 0, 0, 0))
            rows.append(
                SummaryRow(
                    key=key,
                    label=label,
                    headcount=shown_headcount,
                    cells=cells,
                    expected_logs=expected[key],
                    submitted_logs=due,
                    on_time_logs=on_time,
                    signed_on_time_logs=signed,
                    cap=cap,
                    people=people,
                    target_people=None if everyone else len(covered_people),
                    exact_headcount=exact_headcount,
                )
            )
        results.append(rows)
    return results


def _total(rows: list[SummaryRow], metrics: list[Metric], cap: Decimal, label: str) -> SummaryRow:
    # From the rows' unrounded headcounts, rounded once: the sum of the rounded ones
    # drifts by a hundredth a row (three regions of 1⅓ read 3.99), and per head with it.
    # Per head divides by the total's headcount shown, as each row's does by its own.
    exact = sum((r.unrounded_headcount for r in rows), ZERO)
    headcount = exact.quantize(Decimal("0.01"))
    cells = []
    for metric in metrics:
        with_target = [r.cell(metric.pk) for r in rows if r.cell(metric.pk).target is not None]
        cells.append(
            MetricCell(
                # The rows' own: a closed week's carry the weights it was summarised with.
                rows[0].cell(metric.pk).metric if rows else metric,
                sum((c.target for c in with_target), ZERO) if with_target else None,
                sum(r.cell(metric.pk).actual for r in rows),
                headcount,
                # A row without a target adds to the actual, not to what the target covers.
                sum(
                    c.actual if c.covered_actual is None else c.covered_actual for c in with_target
                ),
            )
        )
    people = sum(r.people for r in rows)
    target_people = sum(r.people if r.target_people is None else r.target_people for r in rows)
    return SummaryRow(
        key=0,
        label=label,
        headcount=headcount,
        cells=cells,
        expected_logs=sum(r.expected_logs for r in rows),
        submitted_logs=sum(r.submitted_logs for r in rows),
        on_time_logs=sum(r.on_time_logs for r in rows),
        signed_on_time_logs=sum(r.signed_on_time_logs for r in rows),
        cap=cap,
        people=people,
        target_people=None if target_people >= people else target_people,
        exact_headcount=exact,
    )


def highlight_below(branch_id: int) -> Decimal:
    """The task completion under which the branch's summaries (and drill-downs) mark a row."""
    settings = BranchReportSettings.objects.filter(branch_id=branch_id).first()
    return settings.highlight_below if settings else Decimal(80)


def region_rows(
    *, branch: Branch, regions: list[Region], start, end, today, metrics=None, cap=None
) -> list[SummaryRow]:
    return region_rows_for_weeks(
        branch=branch,
        regions=regions,
        periods_=[(start, end)],
        today=today,
        metrics=metrics,
        cap=cap,
    )[0]


def region_rows_for_weeks(
    *,
    branch: Branch,
    regions: list[Region],
    periods_: list[Period],
    today,
    metrics=None,
    cap=None,
    reads: LogReads | None = None,
) -> list[list[SummaryRow]]:
    """Region rows for several periods in one pass (the roll-up of many weeks)."""
    metrics = metrics if metrics is not None else active_metrics()
    cap = cap if cap is not None else branch_settings(branch.pk).completion_cap
    return _rows_for_periods(
        branch_id=branch.pk,
        subjects=[(r.pk, r.name) for r in regions],
        by="region",
        region_ids=[r.pk for r in regions],
        periods_=periods_,
        today=today,
        metrics=metrics,
        cap=cap,
        reads=reads,
        closed_on={r.pk: r.closed_on for r in regions if r.closed_on is not None},
        opened_on={r.pk: r.created_on for r in regions if r.created_on is not None},
    )


# --- what the pages ask for -----------------------------------------------------------


def branches_for_summary(user: User):
    return org.branches_visible_to(user).order_by("name")


def is_closed_week(start: datetime.date, end: datetime.date, today: datetime.date) -> bool:
    return (
        start.weekday() == 0
        and end == start + datetime.timedelta(days=6)
        and end < periods.week_start(today)
    )


def branch_summary(
    *, user: User, branch: Branch, start: datetime.date, end: datetime.date, today=None
) -> Summary:
    """The summary of the regions of `branch` that `user` may see."""
    today = today or timezone.localdate()
    # A region created after the period, or closed before it, is not an empty row of it.
    regions = list(
        org.regions_visible_to(user)
        .filter(branch=branch)
        .open_during(start, end)
        .select_related("area")
        .by_name()
    )
    cap = branch_settings(branch.pk).completion_cap
    summary = Summary(
        branch=branch,
        start=start,
        end=end,
        metrics=[],  # the snapshots', or metrics_counted
        rows=[],
        total=None,
        cap=cap,
        highlight_below=highlight_below(branch.pk),
        part=_part_of_branch(branch, regions, start, end),
    )
    snapshots = {}
    if is_closed_week(start, end, today):
        snapshots = {
            s.region_id: s
            for s in RegionWeekSnapshot.objects.filter(
                region__in=regions, week_start=start
            ).prefetch_related(
                Prefetch("metrics", queryset=MetricWeekSnapshot.objects.select_related("metric"))
            )
        }
        summary.runs = list(RollupRun.objects.filter(branch=branch, week_start=start)[:5])
    if regions and len(snapshots) == len(regions):
        # A closed week keeps the metrics it was summarised with: switching one off (or
        # adding one) since does not rewrite its columns and task completion.
        metrics = summary.metrics = sorted(
            {m.metric for s in snapshots.values() for m in s.metrics.all()},
            key=lambda metric: (metric.order, metric.pk),
        )
        # Two queries: the week's working days, to undo the snapshots' rounding.
        working_days = rules_for(branch.pk, start, end).count(start, end)
        summary.rows = [
            _row_from_snapshot(snapshots[r.pk], r, metrics, cap, working_days) for r in regions
        ]
        summary.from_snapshot = True
        summary.computed_at = min(s.computed_at for s in snapshots.values())
        changed = _changed_since(snapshots.values())
        for row in summary.rows:
            row.stale = row.key in changed
    else:
        metrics = summary.metrics = metrics_counted(
            region_ids=[r.pk for r in regions], start=start, end=end
        )
        summary.rows = region_rows(
            branch=branch,
            regions=regions,
            start=start,
            end=end,
            today=today,
            metrics=metrics,
            cap=cap,
        )
    if summary.from_snapshot:
        cap = summary.rows[0].cap  # the week's own, like its rows
    summary.total = _total(summary.rows, metrics, cap, _("Total"))
    return summary


def _part_of_branch(branch: Branch, regions: list[Region], start, end) -> str:
    """Which part of the branch `regions` are, "" for all of it: an area manager's total
    is the area's, and the page (and the file sent on from it) titled with the branch
    alone passed it for the branch's. A whole area by its name, other regions by theirs."""
    open_regions = defaultdict(set)  # area id (None: in no area) → its regions open then
    for pk, area_id in (
        Region.objects.filter(branch=branch).open_during(start, end).values_list("pk", "area_id")
    ):
        open_regions[area_id].add(pk)
    seen = {region.pk for region in regions}
    if seen >= set().union(*open_regions.values()):
        return ""
    names = []
    for region in regions:
        whole_area = region.area_id is not None and open_regions[region.area_id] <= seen
        name = region.area.name if whole_area else region.name
        if name not in names:
            names.append(name)
    return joined(names)


def _snapshot_cells(metrics, stored: dict, headcount) -> list[MetricCell]:
    """Cells from a snapshot's {metric id: (target, actual, covered actual)}; a metric it
    lacks (added since) has no target and nothing done."""
    cells = []
    for metric in metrics:
        target, actual, covered_actual = stored.get(metric.pk, (None, 0, None))
        cells.append(MetricCell(metric, target, actual, headcount, covered_actual))
    return cells


def _as_summarised(metric: Metric, weight) -> Metric:
    """The metric with the weight it had when summarised (older snapshots: today's)."""
    if weight is None or weight == metric.weight:
        return metric
    summarised = copy.copy(metric)
    summarised.weight = weight
    return summarised


def unrounded_headcount(headcount: Decimal, working_days: int) -> Decimal:
    """The exact headcount a snapshot's rounded one (1.33) stands for (1⅓) in a period
    of `working_days` working days: a headcount is member-days ÷ working days, and under
    50 days its two decimals pin the member-days down. Else the rounded one."""
    if not 0 < working_days < 50:
        return headcount
    exact = (headcount * working_days).quantize(ONE) / working_days
    return exact if exact.quantize(Decimal("0.01")) == headcount else headcount


def _row_from_snapshot(
    snapshot: RegionWeekSnapshot, region: Region, metrics, cap, working_days: int
) -> SummaryRow:
    stored = {m.metric_id: (m.target, m.actual, m.covered_actual) for m in snapshot.metrics.all()}
    weights = {m.metric_id: m.weight for m in snapshot.metrics.all()}
    cells = _snapshot_cells(
        [_as_summarised(m, weights.get(m.pk)) for m in metrics], stored, snapshot.headcount
    )
    # A closed week keeps the cap and weights it was summarised with.
    cap = snapshot.cap if snapshot.cap is not None else cap
    return SummaryRow(
        key=region.pk,
        label=region.name,
        headcount=snapshot.headcount,
        cells=cells,
        expected_logs=snapshot.expected_logs,
        submitted_logs=snapshot.submitted_logs,
        on_time_logs=snapshot.on_time_logs,
        signed_on_time_logs=snapshot.signed_on_time_logs,
        cap=cap,
        people=snapshot.people,
        target_people=snapshot.target_people,
        exact_headcount=unrounded_headcount(snapshot.headcount, working_days),
    )


def _changed_since(snapshots) -> set[int]:
    """Regions whose logs of the week changed after their snapshot was computed, or left
    the region since (`reports.services.snapshots_logs_left`)."""
    snapshots = list(snapshots)
    if not snapshots:
        return set()
    week = snapshots[0].week_start
    latest = dict(
        DailyLog.objects.filter(
            region_id__in=[s.region_id for s in snapshots],
            date__range=(week, week + datetime.timedelta(days=6)),
        )
        # A draft counts nowhere in a summary (and no log goes back to draft): an AM
        # typing a late day of a closed week as a draft read "logs changed since then".
        .exclude(status=LogStatus.DRAFT)
        .values_list("region_id")
        .annotate(latest=Max("updated_at"))
        .order_by()
    )
    return {
        s.region_id
        for s in snapshots
        if (latest.get(s.region_id) and latest[s.region_id] > s.computed_at)
        or (s.logs_left_at is not None and s.logs_left_at > s.computed_at)
    }


def stale_snapshot_weeks(branch_id: int) -> list[datetime.date]:
    """Weeks of this branch with a snapshot older than a change to one of its logs."""
    snapshots = RegionWeekSnapshot.objects.filter(branch_id=branch_id)
    by_week = defaultdict(list)
    for s in snapshots.only("region_id", "week_start", "computed_at", "logs_left_at"):
        by_week[s.week_start].append(s)
    return sorted(week for week, items in by_week.items() if _changed_since(items))


def rolled_up_weeks(
    *, branch_ids, first: datetime.date, last: datetime.date
) -> dict[int, list[datetime.date]]:
    """{branch id: the weeks with a day in [first, last] that have snapshots}."""
    found = defaultdict(list)
    for branch_id, week in (
        RegionWeekSnapshot.objects.filter(
            branch_id__in=list(branch_ids), week_start__range=(periods.week_start(first), last)
        )
        .values_list("branch_id", "week_start")
        .distinct()
        .order_by("branch_id", "week_start")
    ):
        found[branch_id].append(week)
    return dict(found)


def metrics_of_period(*, region: Region, start, end, today=None) -> list[Metric]:
    """The metrics a region's pages show for a period: a closed week that was summarised
    keeps the metrics of its snapshot, with their weights then, as the branch summary
    does; else `metrics_counted`."""
    if is_closed_week(start, end, today or timezone.localdate()):
        stored = MetricWeekSnapshot.objects.filter(
            snapshot__region=region, snapshot__week_start=start
        ).select_related("metric")
        summarised = [_as_summarised(s.metric, s.weight) for s in stored]
        if summarised:
            return sorted(summarised, key=lambda metric: (metric.order, metric.pk))
    return metrics_counted(region_ids=[region.pk], start=start, end=end)


def cap_of_period(*, region: Region, start, end, today=None) -> Decimal:
    """The completion cap a region's pages use: a summarised closed week's own."""
    if is_closed_week(start, end, today or timezone.localdate()):
        stored = (
            RegionWeekSnapshot.objects.filter(region=region, week_start=start)
            .values_list("cap", flat=True)
            .first()
        )
        if stored is not None:
            return stored
    return branch_settings(region.branch_id).completion_cap


def member_rows(*, region: Region, start, end, today=None) -> tuple[list[SummaryRow], SummaryRow]:
    """The same columns per account manager of `region` (for the weeks they were in it)."""
    today = today or timezone.localdate()
    metrics = metrics_of_period(region=region, start=start, end=end, today=today)
    cap = cap_of_period(region=region, start=start, end=end, today=today)
    people = {m.user_id: m.user for m in org.members_during([region.pk], start, end)}
    org.tell_apart(people.values())
    members = {pk: user.listed_name for pk, user in people.items()}
    subjects = list(members.items())  # in pinyin order, as members_during reads them
    rows = _rows(
        branch_id=region.branch_id,
        subjects=subjects,
        by="author",
        region_ids=[region.pk],
        start=start,
        end=end,
        today=today,
        metrics=metrics,
        cap=cap,
    )
    return rows, _total(rows, metrics, cap, _("Total"))


def region_line(*, region: Region, start, end, total: SummaryRow, today=None) -> SummaryRow | None:
    """The region's row of the branch summary, to show under the drill-down's total when
    the two disagree on a target: a region with targets of its own (the annual
    breakdown) is measured against them, not against the sum of its AMs' targets."""
    row = region_rows(
        branch=region.branch,
        regions=[region],
        start=start,
        end=end,
        today=today or timezone.localdate(),
        metrics=[cell.metric for cell in total.cells],
        cap=total.cap,
    )[0]
    differs = any(
        mine.target != theirs.target for mine, theirs in zip(row.cells, total.cells, strict=True)
    )
    if not differs:
        return None
    row.label = _("%(region)s (its own target)") % {"region": region.name}
    row.note = _(
        "This region has targets of its own, from the annual breakdown: the branch summary "
        "measures it against them (the last line), not against the sum of its account "
        "managers' targets (the total line)."
    )
    return row


def member_logs(*, region: Region, member_id: int, start, end):
    """The member's logs in that region over the period (counts: with_metric_counts)."""
    return DailyLog.objects.filter(
        region=region, author_id=member_id, date__range=(start, end)
    ).order_by("date")


@dataclass
class MemberTotal:
    counts: list[int]  # per metric, in the page's metrics order
    uncounted: int  # drafts and returned logs listed above it


def member_total(logs: list[DailyLog], metrics: list[Metric]) -> MemberTotal:
    """The total line under the member's logs (after `with_metric_counts`), added up from
    the counts the page lists, as her row on the region page counts them: logs handed in
    or signed off (`actuals`). A draft or a log returned for correction is listed but not
    counted, so the two pages agree."""
    counts = [0] * len(metrics)
    uncounted = 0
    for log in logs:
        if log.status not in COUNTED_STATUSES:
            uncounted += 1
            continue
        for index, (_metric, count) in enumerate(log.metric_counts):
            counts[index] += count or 0
    return MemberTotal(counts=counts, uncounted=uncounted)


def trend(*, user: User, branch: Branch, last_week: datetime.date, weeks: int = 12):
    """Weighted completion per region for the last `weeks` closed weeks, from snapshots."""
    first = last_week - datetime.timedelta(weeks=weeks - 1)
    regions = list(
        org.regions_visible_to(user)
        .filter(branch=branch)
        .open_during(first, last_week + datetime.timedelta(days=6))
        .by_name()
    )
    # Each week's score as its summary shows it: the metrics, weights and cap it was
    # summarised with (older snapshots: today's weights and cap).
    metric_by_id = {m.pk: m for m in Metric.objects.all()}
    cap = branch_settings(branch.pk).completion_cap
    # Plain values: the chart needs one number per region-week out of ~1,000 metric rows.
    cells = defaultdict(list)  # (region, week) → cells
    caps = {}
    for (
        region_id,
        week,
        headcount,
        week_cap,
        metric_id,
        target,
        actual,
        weight,
        covered_actual,
    ) in MetricWeekSnapshot.objects.filter(
        snapshot__region__in=regions, snapshot__week_start__range=(first, last_week)
    ).values_list(
        "snapshot__region_id",
        "snapshot__week_start",
        "snapshot__headcount",
        "snapshot__cap",
        "metric_id",
        "target",
        "actual",
        "weight",
        "covered_actual",
    ):
        metric = _as_summarised(metric_by_id[metric_id], weight)
        cells[(region_id, week)].append(
            MetricCell(metric, target, actual, headcount, covered_actual)
        )
        caps[(region_id, week)] = week_cap if week_cap is not None else cap
    scores = {key: weighted_score(week_cells, caps[key]) for key, week_cells in cells.items()}
    week_list = [first + datetime.timedelta(weeks=i) for i in range(weeks)]
    return week_list, [
        (region, [scores.get((region.pk, week)) for week in week_list]) for region in regions
    ]


SORT_KEYS = {"name", "headcount", "score", "on_time", "signed_on_time"}


def sort_rows(rows: list[SummaryRow], sort: str, metrics: list[Metric]) -> list[SummaryRow]:
    """Sort by "name", "headcount", "score", "on_time", "signed_on_time" or
    "<metric code>.<actual|completion|per_head>"; a leading "-" sorts descending.
    Rows with no value (no target) go last either way."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    codes = {m.code: m.pk for m in metrics}

    read_order = {id(row): i for i, row in enumerate(rows)}  # pinyin, from the query

    def value(row: SummaryRow):
        if key == "name":
            return read_order[id(row)]
        if key == "headcount":
            return row.headcount
        if key == "score":
            return row.score
        if key == "on_time":
            return row.on_time_rate
        if key == "signed_on_time":
            return row.signed_on_time_rate
        code, _sep, part = key.partition(".")
        if code in codes and part in ("actual", "completion", "per_head"):
            return getattr(row.cell(codes[code]), part)
        return row.label

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


@dataclass
class LineChart:
    width: int
    height: int
    weeks: list  # the labelled ones, with their x
    series: list[dict]
    gridlines: list[dict]
    every_week: list = field(default_factory=list)

    @property
    def has_lines(self) -> bool:
        return any(s["points"] for s in self.series)

    @property
    def rows(self) -> list[tuple]:
        """(week, [each region's completion or None]): the figures the lines draw, for a
        table a screen reader reads (the drawing is one picture to it)."""
        return [
            (week, [s["values"][j] for s in self.series]) for j, week in enumerate(self.every_week)
        ]


PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"]


def completion_chart(
    weeks, series, width: int = 720, height: int = 240, label_every: int = 1
) -> LineChart:
    """Geometry for a server-rendered SVG line chart of completion % per region (no JS).

    The SVG scales to the screen, its text with it: a phone gets its own narrow drawing,
    whose week labels (every `label_every`-th, counted back from the latest) still fit."""
    top, bottom, left, right = 10, 30, 44, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _region, points in series for v in points if v is not None]
    ceiling = max([Decimal(150), *values]) if values else Decimal(150)
    step = plot_w / max(len(weeks) - 1, 1)

    def y(value) -> float:
        return round(top + plot_h - plot_h * float(value) / float(ceiling), 1)

    lines = []
    for i, (region, points) in enumerate(series):
        coords = [
            f"{round(left + j * step, 1)},{y(v)}" for j, v in enumerate(points) if v is not None
        ]
        lines.append(
            {
                "region": region,
                "color": PALETTE[i % len(PALETTE)],
                "points": " ".join(coords),
                "values": list(points),
            }
        )
    gridlines = [{"y": y(v), "value": v} for v in (0, 50, 100, 150) if v <= ceiling]
    labels = [
        {"x": round(left + j * step, 1), "week": week}
        for j, week in enumerate(weeks)
        if (len(weeks) - 1 - j) % label_every == 0
    ]
    return LineChart(width, height, labels, lines, gridlines, list(weeks))
