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
from django.utils.translation import gettext_lazy as _

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


# Where each of China's seven public holidays falls in any year, with the days off the
# State Council puts around it: wide enough for the lunar ones (春节 from late January to
# late February) and checked against every schedule chinese-calendar carries (2008–2026).
# A year's holidays are known once each window holds a day off the admin entered.
HOLIDAY_WINDOWS = (
    (_("New Year's Day"), (1, 1), (1, 3)),
    (_("Spring Festival"), (1, 18), (2, 28)),
    (_("Tomb-sweeping Day"), (4, 2), (4, 7)),
    (_("Labour Day"), (4, 28), (5, 6)),
    (_("Dragon Boat Festival"), (5, 26), (6, 27)),
    (_("Mid-autumn Festival"), (9, 5), (9, 30)),
    (_("National Day"), (10, 1), (10, 8)),
)
NEW_YEAR, MID_AUTUMN = 0, 5
# 元旦 on a Monday, Wednesday or Friday is 1 January alone with the weekend beside it: no
# bridge and no 调休 (2010 … 2025 all), so the law says all (`STATUTORY_DAYS_OFF`). Week
# 53 of 2026 and January 2027 warned of a holiday Footwork had right.
NEW_YEAR_WITHOUT_BRIDGE = frozenset({0, 2, 4})
# 中秋 on 1–7 October is merged into National Day, which then runs to 8 October (2020,
# 2025): one period of days off for two holidays.
MERGED_MID_AUTUMN_DAY = (10, 8)


def _window(year: int, first: tuple[int, int], last: tuple[int, int]):
    return datetime.date(year, *first), datetime.date(year, *last)


def _missing_holidays(year: int, days_off) -> list[int]:
    """The indexes in HOLIDAY_WINDOWS of the holidays with no day off among `days_off`."""
    days_off = set(days_off)
    missing = []
    for index, (_name, first, last) in enumerate(HOLIDAY_WINDOWS):
        start, end = _window(year, first, last)
        if any(start <= day <= end for day in days_off):
            continue
        if index == NEW_YEAR and start.weekday() in NEW_YEAR_WITHOUT_BRIDGE:
            continue
        if index == MID_AUTUMN and datetime.date(year, *MERGED_MID_AUTUMN_DAY) in days_off:
            continue
        missing.append(index)
    return missing


def _days_off_by_branch(year: int, branch_ids=None) -> dict[int, list[datetime.date]]:
    rows = CalendarOverride.objects.filter(date__year=year, is_working_day=False)
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    found = defaultdict(list)
    for branch_id, day in rows.values_list("branch_id", "date"):
        found[branch_id].append(day)
    return found


def holidays_not_entered(branch_id: int, year: int) -> list[str]:
    """The public holidays of `year` Footwork does not know for this branch: none when
    chinese-calendar carries the year, else those the admin has entered no day off for
    (QA entered 元旦 and 春节 and a warning went, with 清明 to 国庆 still counted as
    working days). Pro-rating counts them as working days, but for the dates the law
    fixes (`STATUTORY_DAYS_OFF`)."""
    if year in PUBLISHED_YEARS:
        return []
    days = _days_off_by_branch(year, [branch_id])[branch_id]
    return [HOLIDAY_WINDOWS[i][0] for i in _missing_holidays(year, days)]


def holidays_unknown(branch_id: int, year: int) -> bool:
    return bool(holidays_not_entered(branch_id, year))


def holidays_not_entered_by_branch(year: int) -> list[tuple[Branch, list[str]]]:
    """`holidays_not_entered` of every branch that has some: what the admin is warned of."""
    if year in PUBLISHED_YEARS:
        return []
    found = _days_off_by_branch(year)
    return [
        (branch, [HOLIDAY_WINDOWS[i][0] for i in missing])
        for branch in Branch.objects.order_by("name")
        if (missing := _missing_holidays(year, found[branch.pk]))
    ]


def holidays_unknown_somewhere(year: int) -> bool:
    """`holidays_unknown` for at least one branch."""
    return bool(holidays_not_entered_by_branch(year))


# The State Council publishes next year's schedule in November or December: from then on
# the admin can enter it, and is asked to on their home page.
NEXT_YEAR_ASKED_FROM_MONTH = 11


def years_to_enter(today: datetime.date) -> list[int]:
    """The years whose holidays the admin should enter now: this one while some branch
    lacks them, and next year's from November. The overrides list alone said so: an
    admin who did not open it would leave 2027's 春节 a working week, with AMs reminded
    every day of it."""
    years = [today.year]
    if today.month >= NEXT_YEAR_ASKED_FROM_MONTH:
        years.append(today.year + 1)
    return [year for year in years if holidays_unknown_somewhere(year)]


def years_without_holidays(branch_id: int, start: datetime.date, end: datetime.date) -> list[int]:
    """The years whose holidays Footwork does not know for this branch (see
    `holidays_unknown`) where one of those holidays may fall in [start, end]: what a page
    that splits or paces [start, end] by working days warns of. A January page is not
    warned of 清明 once 元旦 and 春节 are entered. No query for the years
    chinese-calendar carries."""
    years = []
    for year in range(start.year, end.year + 1):
        if year in PUBLISHED_YEARS:
            continue
        days = _days_off_by_branch(year, [branch_id])[branch_id]
        for index in _missing_holidays(year, days):
            _name, first, last = HOLIDAY_WINDOWS[index]
            window_start, window_end = _window(year, first, last)
            if index == MID_AUTUMN:
                window_end = datetime.date(year, *MERGED_MID_AUTUMN_DAY)
            if window_start <= end and start <= window_end:
                years.append(year)
                break
    return years


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

    def is_holiday(self, day: datetime.date) -> bool:
        """A day off for more than its weekday: a public holiday (with the weekend days
        the State Council runs into it, 国庆's Saturday 3 October) or a day the admin
        gave off. An ordinary Saturday is not one."""
        if day in self.overrides:
            return not self.overrides[day]
        return day in chinese_calendar.holidays or is_statutory_day_off(day)

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
