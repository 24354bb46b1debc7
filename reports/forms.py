import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.converters import SUPPORTED_DAYS
from planning import periods


class PeriodForm(forms.Form):
    """Any date range; the current week by default (the seed's example is 1月4日~6日)."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=SUPPORTED_DAYS,
    )
    end = forms.DateField(
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
        today = timezone.localdate()
        start = data.get("start") or periods.week_start(today)
        end = data.get("end") or start + datetime.timedelta(days=6)
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        start = periods.week_start(timezone.localdate())
        return start, start + datetime.timedelta(days=6)

    def neighbours(self) -> dict:
        """The periods of the same length just before and after the shown one (a week by
        default), for the page's previous/next links; no "next" into the future."""
        start, end = self.period()
        length = end - start + datetime.timedelta(days=1)
        current_week = periods.week_start(timezone.localdate())
        return {
            "weekly": length.days == 7,
            "previous": (start - length, end - length),
            "next": (start + length, end + length)
            if start + length <= timezone.localdate()
            else None,
            "current": None if (start, length.days) == (current_week, 7) else current_week,
        }
