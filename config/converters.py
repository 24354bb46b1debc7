import datetime

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


def parse_day(text: str) -> datetime.date | None:
    """YYYY-MM-DD from a URL or a query string; None when it is no day, or outside
    FIRST_DAY … LAST_DAY (9999-12-31 in a link must not reach the date arithmetic)."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


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
