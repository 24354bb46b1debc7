import datetime


class IsoDateConverter:
    """`<date:day>` in URL patterns: YYYY-MM-DD to datetime.date and back."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:  # e.g. 2026-02-30: no such day, so no such page
            raise ValueError(value) from exc

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()
