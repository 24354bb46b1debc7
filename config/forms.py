"""Form fields every app's forms share."""

import datetime
import re

from django import forms
from django.db import models
from django.utils.translation import gettext as _

from .converters import parse_day
from .limits import FREE_TEXT_MAX_LENGTH
from .text import visible

# Vertical whitespace: line breaks of every platform, and Unicode's line and paragraph
# separators (a paste from a chat or a word processor brings those too).
LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


def single_line(text: str) -> str:
    """`text` on one line: each run of line breaks, with the spaces around it, becomes
    one space."""
    return LINE_BREAKS.sub(" ", text).strip()


class FreeTextField(forms.CharField):
    """A box a person types notes into (remarks, reasons, comments, reviews).

    A form posts each line break as \\r\\n, while the browser's maxlength counted it as
    one character: 2,000 characters typed with 9 line breaks arrived as 2,009 and were
    refused. Line breaks become \\n before the length is checked, so the server counts
    as the browser did, and the database holds one kind of line break.

    Characters that show nothing (`config.text.visible`) go: a reason pasted from WeChat
    as a lone zero-width space was a reason given, and read as nothing."""

    widget = forms.Textarea

    def __init__(self, *, max_length=FREE_TEXT_MAX_LENGTH, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        value = visible(value) if isinstance(value, str) else value
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class SingleLineField(forms.CharField):
    """A one-line text (a title, a name): line breaks posted anyway become spaces. A title
    is copied into e-mail subjects and page headings, where a line break does not belong.
    Characters that show nothing go (`config.text.visible`): a customer's name pasted from
    WeChat with a zero-width space was a second prospect beside the one without, and a
    name of nothing else looked blank on every page."""

    def to_python(self, value):
        value = visible(value) if isinstance(value, str) else value
        return single_line(super().to_python(value))


# A whole number typed on a phone. Text with the number pad, not type=number: a number
# box whose text the browser cannot read ("8-" from the pad's minus key, letters) posts an
# empty value, and a log's count left empty means 0, so a typo was saved as 0 without a
# word. As text, the server sees what was typed and says "Enter a whole number".
COUNT_INPUT_ATTRS = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}


class CountInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({**COUNT_INPUT_ATTRS, **(attrs or {})})


class DayField(forms.DateField):
    """A day, also as people here write one (`parse_day`: 2026/12/1, 2026年12月1日, in
    full-width digits): a report's period comes from links people edit, and a date box
    without a picker takes what is typed. ２０２６-１２-０１ was "not a valid date"."""

    # A year typed short (0001, 26) is a typo, not a day: stored, a calendar day or a
    # membership start in year 1 had pages count working days for 2,000 years.
    FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

    def to_python(self, value):
        if isinstance(value, str) and (day := parse_day(value)) is not None:
            return day
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value and not self.FIRST <= value <= self.LAST:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": self.FIRST.year, "last": self.LAST.year},
                code="out_of_range",
            )


# For a ModelAdmin's `formfield_overrides`: the admin's date boxes are plain text boxes
# (with a calendar beside them) where an admin types a 调休 day or a hire date.
DAY_FIELDS = {models.DateField: {"form_class": DayField}}
# For the admin of named things (branches, areas, regions): the staff import reads a
# region's name without invisible characters, so 西北 typed here with a zero-width space
# (pasted from WeChat) was another region than the file's 西北, and the import made one.
NAME_FIELDS = {models.CharField: {"form_class": SingleLineField}}
