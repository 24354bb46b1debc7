import datetime
import re
import unicodedata

from django.core.validators import MaxValueValidator, MinValueValidator

# The days anyone may ask for: generous for history and plans, and far enough from
# date.min and date.max that week, month and year arithmetic never overflows.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
# For DateFields people type into (a period, a due date).
SUPPORTED_DAYS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


def is_supported_year(year: int) -> bool:
    """A year from a URL (`<int:year>`) that the date arithmetic can take: /0/ or /99999/
    is no page, not a server error."""
    return FIRST_DAY.year <= year <= LAST_DAY.year


# A day or a month as people here write one into a link: 2026-12-01, 2026/12/1, 2026.12.1,
# 2026年12月1日, in full-width digits too (a Chinese input method types ２０２６／１２／１).
# ?week=2026/12/28 showed this week's grid, and ?month=2026/12 this month's logs, without
# a word: the page looked like the one asked for.
_SEPARATOR = r"\s*[-/.年]\s*"
# ASCII digits only, once full-width ones are made ASCII: `int` would read other
# scripts' digits, which nobody types for a date.
_DAY = re.compile(rf"(\d{{4}}){_SEPARATOR}(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?", re.ASCII)
_MONTH = re.compile(rf"(\d{{4}}){_SEPARATOR}(\d{{1,2}})\s*月?", re.ASCII)


def _supported(year: int, month: int, day: int) -> datetime.date | None:
    try:
        found = datetime.date(year, month, day)
    except ValueError:  # 2026-02-30: no such day
        return None
    return found if FIRST_DAY <= found <= LAST_DAY else None


def _plain(text: str) -> str:
    """Full-width digits and punctuation as ASCII, ends trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_day(text: str) -> datetime.date | None:
    """A day from a URL or a query string (YYYY-MM-DD, or as `_DAY` reads it); None when
    it is no day, or outside FIRST_DAY … LAST_DAY (9999-12-31 in a link must not reach
    the date arithmetic)."""
    text = _plain(text)
    if match := _DAY.fullmatch(text):
        return _supported(*(int(part) for part in match.groups()))
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def parse_month(text: str) -> datetime.date | None:
    """The first day of a month from a query string: 2026-12 (or as `_MONTH` reads it), or
    any day in it."""
    if match := _MONTH.fullmatch(_plain(text)):
        return _supported(int(match[1]), int(match[2]), 1)
    day = parse_day(text)
    return day.replace(day=1) if day else None


class IsoDateConverter:
    """`<date:day>` in URL patterns: YYYY-MM-DD to datetime.date and back."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        day = parse_day(value)
        if day is None:  # e.g. 2026-02-30: no such day, so no such page
            raise ValueError(value)
        return day

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()
