"""Periods (year, quarter, month, week) and the cascade arithmetic between them.

Conventions: a period is named by its first day; a week starts on Monday and
belongs to the month (and so the quarter and year) its Monday falls in, so every
week has exactly one parent and the weeks of a year are the Mondays in that year.
"""

import calendar
import datetime
import functools
from dataclasses import dataclass

from .models import PeriodKind


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def year_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 1, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_start(kind: str, day: datetime.date) -> datetime.date:
    return {
        PeriodKind.YEAR: year_start,
        PeriodKind.QUARTER: quarter_start,
        PeriodKind.MONTH: month_start,
        PeriodKind.WEEK: week_start,
    }[kind](day)


def period_end(kind: str, start: datetime.date) -> datetime.date:
    if kind == PeriodKind.WEEK:
        return start + datetime.timedelta(days=6)
    if kind == PeriodKind.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if kind == PeriodKind.QUARTER:
        return add_months(start, 3) - datetime.timedelta(days=1)
    return datetime.date(start.year, 12, 31)


def children(kind: str, start: datetime.date) -> tuple[str, list[datetime.date]] | None:
    """The next level down and the starts of its periods, or None for a week."""
    if kind == PeriodKind.YEAR:
        return PeriodKind.QUARTER, [datetime.date(start.year, m, 1) for m in (1, 4, 7, 10)]
    if kind == PeriodKind.QUARTER:
        return PeriodKind.MONTH, [add_months(start, i) for i in range(3)]
    if kind == PeriodKind.MONTH:
        end = period_end(kind, start)
        monday = start + datetime.timedelta(days=(7 - start.weekday()) % 7)
        weeks = []
        while monday <= end:
            weeks.append(monday)
            monday += datetime.timedelta(days=7)
        return PeriodKind.WEEK, weeks
    return None


def weeks_overlapping(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The Mondays of the weeks that have a day in [start, end]."""
    monday, weeks = week_start(start), []
    while monday <= end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def split(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` into integers that sum to `total`.

    Largest remainder: each share is rounded down, then the units left over go to
    the largest fractional parts (earlier periods first on ties). All-zero weights
    split evenly.
    """
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = [(total * w % whole, -i) for i, w in enumerate(weights)]
    left = total - sum(shares)
    for _, neg_index in sorted(remainders, reverse=True)[:left]:
        shares[-neg_index] += 1
    return shares


Key = tuple[str, datetime.date]


@functools.lru_cache(maxsize=8)
def tree(year: int) -> tuple[tuple[Key, tuple[Key, ...]], ...]:
    """Every parent of the year's cascade with its children, top down. Kept: the target
    import splits thousands of annual targets of the same year."""
    pairs = []
    pending = [(PeriodKind.YEAR.value, datetime.date(year, 1, 1))]
    while pending:
        kind, start = pending.pop(0)
        below = children(kind, start)
        if below is None:
            continue
        child_kind, starts = below
        keys = tuple((child_kind, s) for s in starts)
        pairs.append(((kind, start), keys))
        pending.extend(keys)
    return tuple(pairs)


def propose(year: int, annual: int, working_days_in) -> dict[Key, int]:
    """Quarters, months and weeks from an annual target, in proportion to working days.

    `working_days_in(kind, start)` counts working days in a period (the branch
    calendar); a week counts all seven of its days even across a month end.
    """
    values: dict[Key, int] = {(PeriodKind.YEAR.value, datetime.date(year, 1, 1)): annual}
    for parent, keys in tree(year):
        weights = [working_days_in(kind, start) for kind, start in keys]
        for key, share in zip(keys, split(values[parent], weights), strict=True):
            values[key] = share
    return values


@dataclass(frozen=True)
class Mismatch:
    parent: Key
    parent_value: int
    children_sum: int

    @property
    def difference(self) -> int:
        return self.children_sum - self.parent_value


def reconcile(year: int, values: dict[Key, int | None]) -> list[Mismatch]:
    """Parents whose children do not add up to them. Empty cells count as 0."""
    mismatches = []
    for parent, keys in tree(year):
        total = sum(values.get(k) or 0 for k in keys)
        parent_value = values.get(parent) or 0
        if total != parent_value:
            mismatches.append(Mismatch(parent, parent_value, total))
    return mismatches
