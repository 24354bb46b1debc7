"""Free text counts line breaks as the browser does, in every box of the app's forms."""

import inspect

import pytest
from django import forms

from activity import forms as activity_forms
from activity.models import Metric
from config.forms import FreeTextField, SingleLineField
from config.limits import FREE_TEXT_MAX_LENGTH
from planning import forms as planning_forms


def test_line_breaks_are_counted_once_and_stored_as_newlines():
    field = FreeTextField(required=False)
    typed = ("一" * 99 + "\n") * 20  # 2,000 characters as the browser counts them
    assert field.clean(typed.replace("\n", "\r\n")) == typed.strip()
    assert field.clean("一\r二\r\n三\n四") == "一\n二\n三\n四"
    with pytest.raises(forms.ValidationError):
        field.clean("一" * (FREE_TEXT_MAX_LENGTH + 1))


def test_a_single_line_field_turns_line_breaks_into_spaces():
    field = SingleLineField(max_length=20)
    assert field.clean(" 整理\r\n 续保名单\u2028本周\n") == "整理 续保名单 本周"
    assert field.clean("两个  空格") == "两个  空格"  # spaces within a line are kept


def _form_classes():
    for module in (activity_forms, planning_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


@pytest.mark.django_db
def test_every_text_box_of_the_apps_forms_is_free_text():
    boxes = {
        f"{cls.__name__}.{name}": field
        for cls in _form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field.widget, forms.Textarea)
    }
    review = planning_forms.WeeklyReviewForm(
        metrics=list(Metric.objects.all()), short_metric_ids=[], prospects=None
    )
    boxes |= {
        f"WeeklyReviewForm.{name}": field
        for name, field in review.fields.items()
        if isinstance(field.widget, forms.Textarea)
    }
    assert "DailyLogForm.remarks" in boxes
    assert any(name.startswith("WeeklyReviewForm.cause_") for name in boxes)
    wrong = [name for name, field in boxes.items() if not isinstance(field, FreeTextField)]
    assert wrong == []


def test_characters_that_show_nothing_are_not_text():
    """Pasted from WeChat: a zero-width space, a byte-order mark, direction marks. A
    return reason of nothing else was a reason given, and read as nothing."""
    with pytest.raises(forms.ValidationError):
        FreeTextField().clean("\u200b\ufeff")
    assert FreeTextField().clean("\u200b请补充\u200b拜访记录") == "请补充拜访记录"
    assert SingleLineField().clean("\u202a城西\u200b驾校\u202c") == "城西驾校"
    # The joiners hold an emoji sequence together: kept.
    assert SingleLineField().clean("王家👨\u200d👩\u200d👧") == "王家👨\u200d👩\u200d👧"
