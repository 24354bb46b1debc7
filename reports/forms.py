import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.converters import SUPPORTED_DAYS
from config.forms import DayField
from planning import periods

from .selectors import span_kind, whole_months

WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)


def latest_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The default: this week up to yesterday, like the seed's 1月4日~6日; on a Monday,
    last week. Today's logs come in the evening: a period that includes today compares
    every region with a day's target it cannot have met yet, and all rows show short."""
    monday = periods.week_start(today)
    if today == monday:
        return monday - WEEK, monday - DAY
    return monday, today - DAY


class PeriodForm(forms.Form):
    """Any date range; the latest days that have ended by default (see latest_period)."""

    # The first day any region shown existed (set by the view; None: always there). A
    # branch imported on a Wednesday has no week before it to step back to.
    first_day: datetime.date | None = None

    start = DayField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=SUPPORTED_DAYS,
    )
    end = DayField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=SUPPORTED_DAYS,
    )
    branch = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    MAX_DAYS = 366

    def clean(self):
        data = super().clean()
        if self.errors:
            return data  # a date that is not one: no period to compare it with
        if data.get("start"):
            start, end = data["start"], data.get("end") or data["start"] + WEEK - DAY
        else:
            start, end = latest_period(timezone.localdate())
            end = data.get("end") or end
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return latest_period(timezone.localdate())

    def neighbours(self) -> dict:
        """Links to the periods before and after the shown one, for the page, and what
        they step by (`unit`, which the buttons say: QA's one-day and one-month periods
        read 上一周). A single day steps a day; a week or part of one steps a whole
        week (the default, this week so far, is one day on a Tuesday: still a week);
        whole calendar months step as many months (31 days back from December is 31
        October); any other range steps by its own length. No "next" into the future;
        "latest" when the default period is not shown."""
        start, end = self.period()
        today = timezone.localdate()
        monday = periods.week_start(start)
        months = whole_months(start, end)
        latest = latest_period(today)
        if start == end and (start, end) != latest:
            unit = "day"
            previous = (start - DAY, start - DAY)
            following = (end + DAY, end + DAY)
        elif span_kind(start, end) == "week":
            unit = "week"
            previous = (monday - WEEK, monday - DAY)
            following = (monday + WEEK, monday + WEEK + WEEK - DAY)
        elif months:
            step = len(months)
            unit = "month" if step == 1 else "period"
            previous = (periods.add_months(start, -step), start - DAY)
            following = (end + DAY, periods.add_months(end + DAY, step) - DAY)
        else:
            length = end - start + DAY
            unit = "week" if length == WEEK else "period"
            previous = (start - length, start - DAY)
            following = (end + DAY, end + length)
        return {
            "unit": unit,
            "previous": previous
            if self.first_day is None or previous[1] >= self.first_day
            else None,
            "next": following if following[0] <= today else None,
            "latest": (start, end) != latest,
        }
