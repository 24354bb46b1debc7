from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# Django's "D" is 星期一 in Chinese: three characters that wrap in a phone-wide grid.
SHORT_WEEKDAYS = [
    pgettext_lazy("short weekday", "Mon"),
    pgettext_lazy("short weekday", "Tue"),
    pgettext_lazy("short weekday", "Wed"),
    pgettext_lazy("short weekday", "Thu"),
    pgettext_lazy("short weekday", "Fri"),
    pgettext_lazy("short weekday", "Sat"),
    pgettext_lazy("short weekday", "Sun"),
]


@register.filter
def short_weekday(day) -> str:
    """周一 … 周日 (Mon … Sun in English) for a date."""
    return SHORT_WEEKDAYS[day.weekday()]
