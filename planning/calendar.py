"""The working calendar of a branch. Every pro-rating in planning uses it.

A day is a working day when, in this order of strength:
1. an admin's `CalendarOverride` for that branch and date says so (either way);
2. it is a public holiday in China → not working;
3. it is an adjusted working day (调休, a weekend day worked in lieu) → working;
4. otherwise its weekday is one of the branch's working weekdays (default Mon–Fri).

Holidays and 调休 come from `chinese-calendar`, which carries the State Council's
published schedule. For a later year it does not know yet, rule 3 adds nothing and rule 2
only the days the law fixes by date (`STATUTORY_DAYS_OFF`: 1 January, 1–2 May, 1–3
October); the rest of the schedule (春节, the bridges, 调休) comes from overrides.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar

from accounts.models import Branch

from .models import BranchPlanningSettings, CalendarOverride

# The years whose holidays the installed chinese-calendar carries: the State Council
# publishes next year's schedule in November, and a release follows some weeks later.
PUBLISHED_YEARS = frozenset(day.year for day in chinese_calendar.holidays)


# The public holidays the law (全国年节及纪念日放假办法, as revised for 2025) fixes by date:
# 元旦, 劳动节 and 国庆. The State Council's yearly schedule only adds bridges and 调休
# around them, so they are days off in a year chinese-calendar does not carry yet. Without
# this, on 1 January 2027 every AM was reminded to hand in a log and 我的日志 showed 元旦
# as 未填 unless an admin had entered 2027's holidays in time.
STATUTORY_DAYS_OFF = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})
LAST_PUBLISHED_YEAR = max(PUBLISHED_YEARS)


def is_statutory_day_off(day: datetime.date) -> bool:
    """A day the law makes a holiday, in a year after those chinese-calendar carries."""
    return day.year > LAST_PUBLISHED_YEAR and (day.month, day.day) in STATUTORY_DAYS_OFF


# China's public holidays come in seven periods: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆.
PUBLIC_HOLIDAY_PERIODS = 7


def _holiday_periods(dates) -> int:
    """How many runs of consecutive days `dates` (days off) make."""
    runs, previous = 0, None
    for day in sorted(dates):
        if previous is None or (day - previous).days > 1:
            runs += 1
        previous = day
    return runs


def _days_off_by_branch(year: int, branch_ids=None) -> dict[int, list[datetime.date]]:
    rows = CalendarOverride.objects.filter(date__year=year, is_working_day=False)
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    found = defaultdict(list)
    for branch_id, day in rows.values_list("branch_id", "date"):
        found[branch_id].append(day)
    return found


def holidays_unknown(branch_id: int, year: int) -> bool:
    """Nothing tells Footwork all of `year`'s public holidays for this branch:
    chinese-calendar does not carry the year yet and the admin has entered fewer periods
    of days off than the seven public holidays (QA entered 元旦 and 春节 and the warning
    went, with 清明 to 国庆 still counted as working days). Pro-rating then counts the
    missing holidays as working days."""
    if year in PUBLISHED_YEARS:
        return False
    days = _days_off_by_branch(year, [branch_id])[branch_id]
    return _holiday_periods(days) < PUBLIC_HOLIDAY_PERIODS


def holidays_unknown_somewhere(year: int) -> bool:
    """`holidays_unknown` for at least one branch: what the admin is warned of."""
    if year in PUBLISHED_YEARS:
        return False
    found = _days_off_by_branch(year)
    return any(
        _holiday_periods(found[pk]) < PUBLIC_HOLIDAY_PERIODS
        for pk in Branch.objects.values_list("pk", flat=True)
    )


def years_without_holidays(branch_id: int, start: datetime.date, end: datetime.date) -> list[int]:
    """The years of [start, end] whose holidays Footwork does not know for this branch
    (see `holidays_unknown`): what a page that splits or paces by working days warns of.
    No query for the years chinese-calendar carries."""
    return [y for y in range(start.year, end.year + 1) if holidays_unknown(branch_id, y)]


@dataclass(frozen=True)
class BranchRules:
    working_weekdays: frozenset[int] = frozenset(range(5))
    overrides: dict[datetime.date, bool] = field(default_factory=dict)
    # Pro-rating asks for the same few ranges once per person and metric.
    _counts: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in chinese_calendar.holidays:
            return False
        if day in chinese_calendar.workdays:
            return True
        if is_statutory_day_off(day):
            return False
        return day.weekday() in self.working_weekdays

    def working_days(self, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        days, day = [], start
        while day <= end:
            if self.is_working_day(day):
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    def count(self, start: datetime.date, end: datetime.date) -> int:
        if (start, end) not in self._counts:
            self._counts[start, end] = len(self.working_days(start, end))
        return self._counts[start, end]


def rules_for(
    branch_id: int | None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    settings: BranchPlanningSettings | None = None,
) -> BranchRules:
    """The branch's rules with its overrides between start and end (all when not given).

    Two queries (one when the caller already has the branch's settings); pass the
    result around instead of calling `is_working_day` in a loop.
    """
    if branch_id is None:
        return BranchRules()
    if settings is None:
        settings = BranchPlanningSettings.objects.filter(branch_id=branch_id).first()
    weekdays = (
        settings.working_weekdays if settings else BranchPlanningSettings.DEFAULT_WORKING_WEEKDAYS
    )
    overrides = CalendarOverride.objects.filter(branch_id=branch_id)
    if start is not None:
        overrides = overrides.filter(date__gte=start)
    if end is not None:
        overrides = overrides.filter(date__lte=end)
    return BranchRules(
        working_weekdays=_weekday_set(weekdays),
        overrides=dict(overrides.values_list("date", "is_working_day")),
    )


def rules_for_branches(
    branch_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, BranchRules]:
    """`rules_for` of several branches, in two queries whatever their number."""
    ids = set(branch_ids)
    weekdays = dict(
        BranchPlanningSettings.objects.filter(branch_id__in=ids).values_list(
            "branch_id", "working_weekdays"
        )
    )
    overrides = defaultdict(dict)
    for branch_id, day, working in CalendarOverride.objects.filter(
        branch_id__in=ids, date__range=(start, end)
    ).values_list("branch_id", "date", "is_working_day"):
        overrides[branch_id][day] = working
    return {
        branch_id: BranchRules(
            working_weekdays=_weekday_set(
                weekdays.get(branch_id, BranchPlanningSettings.DEFAULT_WORKING_WEEKDAYS)
            ),
            overrides=overrides[branch_id],
        )
        for branch_id in ids
    }


def _weekday_set(weekdays: str) -> frozenset[int]:
    return frozenset(int(c) for c in weekdays if c.isdigit())


def is_working_day(branch_id: int | None, day: datetime.date) -> bool:
    return rules_for(branch_id, day, day).is_working_day(day)


def working_days(
    branch_id: int | None, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    return rules_for(branch_id, start, end).working_days(start, end)
