"""Forms parse and validate; the rules they share with services are in services."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.dates import WEEKDAYS
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Branch, Role, User
from accounts.staff_forms import SheetUploadForm
from activity.selectors import customer_key
from config.converters import SUPPORTED_DAYS
from config.forms import CountInput, DayField, FreeTextField, SingleLineField

from . import periods
from .models import (
    BranchPlanningSettings,
    CalendarOverride,
    ItemStatus,
    PeriodKind,
    PlannedVisit,
    TrackedItem,
)

PLANNED_NAME_LENGTH = PlannedVisit._meta.get_field("customer").max_length

# Far above any real target, far below the database's integer limit (2,147,483,647):
# a slip of the finger gets a field error instead of a server error.
MAX_TARGET = 10_000_000
MAX_WEEK_TARGET = 99_999  # one AM's week: seven days of the log's 9,999 at most
MAX_PLANNED_VISITS = 999  # a week's visits; the column is a small integer


def _count_field(label, required=False, initial=None, max_value=MAX_TARGET):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        required=required,
        initial=initial,
        widget=CountInput(attrs={"class": "form-control form-control-sm"}),
    )


def cell_name(kind: str, start: datetime.date) -> str:
    return f"{kind}_{start.isoformat()}"


class BreakdownForm(forms.Form):
    """One metric's year → quarters → months → weeks; every cell adjustable."""

    reason = SingleLineField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Required when you change targets that were already set."),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.keys = [(PeriodKind.YEAR.value, datetime.date(year, 1, 1))]
        for _parent, keys in periods.tree(year):
            self.keys.extend(keys)
        for kind, start in self.keys:
            self.fields[cell_name(kind, start)] = _count_field(f"{kind} {start}")

    def values(self) -> dict[periods.Key, int | None]:
        return {key: self.cleaned_data.get(cell_name(*key)) for key in self.keys}


class MetricCountsForm(forms.Form):
    """A count per metric (monthly goals, monthly targets), plus a free-text field."""

    def __init__(self, *args, metrics, prefix_name="metric", **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        for metric in metrics:
            self.fields[f"metric_{metric.pk}"] = _count_field(metric.label, required=True)

    def counts(self) -> dict[int, int]:
        return {m.pk: self.cleaned_data[f"metric_{m.pk}"] for m in self.metrics}

    def metric_fields(self):
        return [(m, self[f"metric_{m.pk}"]) for m in self.metrics]


# The sheet's revision the page was opened on (`MonthlyGoalSheet.revision`): a post from
# a page opened before another tab or phone saved is shown back, not saved over it.
def _revision_field():
    return forms.IntegerField(required=False, widget=forms.HiddenInput)


class MonthlyGoalForm(MetricCountsForm):
    revision = _revision_field()
    focus_items = FreeTextField(
        label=_("Focus items for the month"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class MonthlyAgreeForm(MetricCountsForm):
    revision = _revision_field()
    comment = FreeTextField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class SheetReasonForm(forms.Form):
    """Why a goal sheet should change (the AM), or why it is reopened or kept (the RM)."""

    reason = FreeTextField(
        label=_("Reason"),
        error_messages={"required": _("Say why.")},
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class MonthTargetsForm(MetricCountsForm):
    # A reason is asked for when set targets change: one of a pasted zero-width space
    # alone was a reason given, and the history showed none.
    reason = SingleLineField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required when you change targets that were already set."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class ProspectChecklist(forms.CheckboxSelectMultiple):
    """The plan's prospects as a scrolling list of tick boxes under a filter box.

    A multi-select of an AM's 400 prospects was, on a phone, a picker wheel of 400 names
    with no search. Tick boxes post the same values (so the field, its validation and
    what is stored are unchanged) and work without JavaScript; with it, the filter box
    (static/js/plan_prospects.js) hides the names that do not match what is typed. The
    ticked names come first, where the AM sees them on opening the page.
    Rendered here rather than by one template per option: 400 of them were most of
    the page's time."""

    def id_for_label(self, id_, index=None):
        return f"{id_}_filter" if id_ else ""  # the heading's label names the filter box

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value or [])}
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.pop("id", f"id_{name}")
        ticked, rows = [], []
        for index, (pk, label) in enumerate(self.choices):
            pk = str(getattr(pk, "value", pk))
            row_id = f"{base_id}_{index}"
            checked = " checked" if pk in chosen else ""
            # The ticked ones first: among 400 names an AM saw at a glance neither which
            # she had ticked nor how many (QA). The rest stay in their order.
            (ticked if checked else rows).append(
                f'<div class="form-check"><input class="form-check-input" type="checkbox"'
                f' name="{escape(name)}" value="{escape(pk)}" id="{escape(row_id)}"{checked}>'
                f'<label class="form-check-label" for="{escape(row_id)}">{escape(label)}</label>'
                "</div>"
            )
        placeholder = escape(_("Type to find a prospect"))
        none_found = escape(_("No prospect of that name."))
        # Safe: every name and value was escaped above, the attributes by flatatt.
        return mark_safe(  # noqa: S308
            f'<input type="search" class="form-control mb-1" id="{escape(base_id)}_filter"'
            f' placeholder="{placeholder}" aria-label="{placeholder}" autocomplete="off"'
            f' data-prospect-filter="{escape(base_id)}" hidden>'
            f'<div id="{escape(base_id)}"{flatatt(attrs)}>{"".join(ticked + rows)}'
            f'<div class="form-text" data-none-found hidden>{none_found}</div></div>'
        )


class WeeklyReviewForm(forms.Form):
    """The week's review (gap analysis) and next week's plan."""

    revision = _revision_field()

    situation_analysis = FreeTextField(
        label=_("Situation analysis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    planned_visit_count = forms.IntegerField(
        label=_("Visits planned for next week"),
        min_value=0,
        max_value=MAX_PLANNED_VISITS,
        initial=0,
        widget=CountInput(attrs={"class": "form-control"}),
    )
    planned_prospects = forms.ModelMultipleChoiceField(
        label=_("Prospects to visit"),
        queryset=None,
        required=False,
        widget=ProspectChecklist(attrs={"class": "prospect-checklist"}),
    )
    planned_new = FreeTextField(
        label=_("Other customers or organisations to visit (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    desk_work_plan = FreeTextField(
        label=_("Desk work (proposals, plan documents, study)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, metrics, short_metric_ids, prospects, submit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        self.short_metric_ids = set(short_metric_ids)
        self.submit = submit
        self.fields["planned_prospects"].queryset = prospects
        text = {"rows": 2, "class": "form-control form-control-sm"}
        for metric in metrics:
            self.fields[f"cause_{metric.pk}"] = FreeTextField(
                label=_("Cause"),
                required=False,
                widget=forms.Textarea(attrs=text),
            )
            self.fields[f"countermeasure_{metric.pk}"] = FreeTextField(
                label=_("Countermeasure"),
                required=False,
                widget=forms.Textarea(attrs=text),
            )
            self.fields[f"next_{metric.pk}"] = _count_field(
                _("Next week's target"), max_value=MAX_WEEK_TARGET
            )

    def clean(self):
        data = super().clean()
        if self.submit:
            for metric in self.metrics:
                if metric.pk not in self.short_metric_ids:
                    continue
                for name in (f"cause_{metric.pk}", f"countermeasure_{metric.pk}"):
                    if not (data.get(name) or "").strip():
                        self.add_error(
                            name, _("Below target: explain the cause and the countermeasure.")
                        )
            # Each customer named is a visit lined up: a count below them contradicts the
            # plan the RM reads ("1 visit planned: five names"). A draft may be half done.
            count = data.get("planned_visit_count")
            if count is not None and not self.has_error("planned_visit_count"):
                named = len(self.planned_visits()) if self._plan_parsed() else 0
                if count < named:
                    self.add_error(
                        "planned_visit_count",
                        ngettext(
                            "You named %(n)d customer to visit: plan at least %(n)d visit.",
                            "You named %(n)d customers to visit: plan at least %(n)d visits.",
                            named,
                        )
                        % {"n": named},
                    )
        return data

    def _plan_parsed(self) -> bool:
        return "planned_prospects" in self.cleaned_data and "planned_new" in self.cleaned_data

    def clean_planned_new(self):
        text = self.cleaned_data["planned_new"]
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line.strip()) > PLANNED_NAME_LENGTH:
                raise forms.ValidationError(
                    _("Line %(line)d is longer than %(limit)d characters; shorten the name."),
                    params={"line": number, "limit": PLANNED_NAME_LENGTH},
                )
        return text

    def metric_rows(self, lines):
        """(line, cause field, countermeasure field, next-week field) per metric."""
        by_metric = {line.metric.pk: line for line in lines}
        return [
            (
                by_metric[m.pk],
                self[f"cause_{m.pk}"],
                self[f"countermeasure_{m.pk}"],
                self[f"next_{m.pk}"],
            )
            for m in self.metrics
        ]

    def review_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("situation_analysis", "planned_visit_count", "desk_work_plan")
        }

    def line_inputs(self):
        from .services import ReviewLineInput

        return [
            ReviewLineInput(
                metric_id=m.pk,
                cause=self.cleaned_data.get(f"cause_{m.pk}", ""),
                countermeasure=self.cleaned_data.get(f"countermeasure_{m.pk}", ""),
                next_week_target=self.cleaned_data.get(f"next_{m.pk}"),
            )
            for m in self.metrics
        ]

    def planned_visits(self) -> list[tuple[int | None, str]]:
        """Ticked prospects, then the names typed one per line. A typed name that is
        one of the AM's prospects' is linked to it, as ticking it would: with hundreds
        of prospects, typing the name is quicker than finding it in the list. Each
        customer is planned once, names compared as the week's check of planned visits
        compares them (嘉禾４Ｓ店 is 嘉禾4S店): a second visit to her is what the visit
        count says, and one visit would tick both lines off."""
        ticked = self.cleaned_data["planned_prospects"]
        visits = [(p.pk, p.name) for p in ticked]
        names = [line.strip() for line in self.cleaned_data["planned_new"].splitlines()]
        names = [name for name in names if name]
        by_name: dict[str, list[tuple[int, str]]] = {}
        if names:
            prospects = self.fields["planned_prospects"].queryset
            for pk, name in prospects.values_list("pk", "name"):
                by_name.setdefault(customer_key(name), []).append((pk, name))
        planned = {customer_key(p.name) for p in ticked}
        for name in names:
            key = customer_key(name)
            if key in planned:
                continue
            planned.add(key)
            matches = by_name.get(key, [])
            # Linked, it reads as her list spells it; two of that name: which is unknown.
            visits.append(matches[0] if len(matches) == 1 else (None, name))
        return visits


class CoachingForm(forms.Form):
    coaching_note = FreeTextField(
        label=_("Coaching note"),
        error_messages={"required": _("Write a coaching note.")},
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class TrackedItemFieldsForm(forms.Form):
    """What an item says: set when it is handed down, corrected by the assigner later."""

    # A title goes into e-mail subjects and headings: line breaks posted anyway become spaces.
    title = SingleLineField(
        label=_("Title"),
        max_length=TrackedItem._meta.get_field("title").max_length,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    details = FreeTextField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    due_date = DayField(
        label=_("Due date"),
        # ISO whatever the language: a date input shows nothing for zh-hans' 2026/11/27.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        validators=SUPPORTED_DAYS,
    )

    def __init__(self, *args, unchanged_due_date: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unchanged_due_date = unchanged_due_date

    def clean_due_date(self):
        from .services import check_due_date

        due_date = self.cleaned_data["due_date"]
        check_due_date(due_date, unchanged_from=self.unchanged_due_date)
        return due_date


class PeopleField(forms.ModelMultipleChoiceField):
    """An area manager's list mixes RMs with AMs: managers say what they are."""

    def label_from_instance(self, user):
        if user.role == Role.ACCOUNT_MANAGER:
            return str(user)
        return f"{user} · {user.get_role_display()}"


class TrackedItemForm(TrackedItemFieldsForm):
    assignees = PeopleField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        help_text=_("Tick one person or several."),
        # Tick boxes, not a list picked with Ctrl held (QA: an RM did not know the trick).
        widget=forms.CheckboxSelectMultiple,
    )
    is_key = forms.BooleanField(label=_("Key item"), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = people


class TrackedItemUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ItemStatus.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = FreeTextField(
        label=_("Follow-up note"),
        required=False,
        help_text=_("When you mark the item done, say what was done."),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, statuses=ItemStatus.choices, **kwargs):
        super().__init__(*args, **kwargs)
        # An assignee is not offered "cancelled": posting it anyway is an invalid choice.
        self.fields["status"].choices = statuses


class CalendarPeriodForm(forms.Form):
    """The admin's "add a holiday period": one holiday (or 调休 day) for many branches."""

    branches = forms.ModelMultipleChoiceField(
        label=_("Branches"),
        queryset=Branch.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        # All are ticked first: public holidays are the common case.
        help_text=_(
            "A public holiday is for every branch. For a day off of one branch only (an "
            "annual meeting, say), untick the others."
        ),
    )
    first = DayField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=SUPPORTED_DAYS,
    )
    last = DayField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=SUPPORTED_DAYS,
    )
    is_working_day = forms.TypedChoiceField(
        label=_("These days are"),
        choices=[("0", _("days off (a public holiday)")), ("1", _("adjusted working days"))],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    note = SingleLineField(
        label=_("Note"),
        max_length=CalendarOverride._meta.get_field("note").max_length,
        required=False,
    )


class BranchPlanningSettingsForm(forms.ModelForm):
    """The admin's page: weekdays ticked and picked by name, stored as the model keeps
    them ("01234", 0 = Monday). QA: an admin expected tick boxes, not digit codes."""

    working_weekdays = forms.TypedMultipleChoiceField(
        label=_("working days of the week"),
        choices=list(WEEKDAYS.items()),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    review_deadline_weekday = forms.TypedChoiceField(
        label=_("weekly review due on"), choices=list(WEEKDAYS.items()), coerce=int
    )

    class Meta:
        model = BranchPlanningSettings
        fields = [
            "branch",
            "working_weekdays",
            "review_deadline_weekday",
            "review_deadline_time",
            "completion_cap",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new branch's page starts from the defaults the branch has without a row. The
        # two fields declared here took none: QA added settings to move the review
        # deadline and saved, unawares, a week with no working day (and a deadline on
        # Monday, the first choice) — nobody owed a log or a review any more.
        defaults = BranchPlanningSettings
        self.initial.setdefault("working_weekdays", defaults.DEFAULT_WORKING_WEEKDAYS)
        self.initial.setdefault("review_deadline_weekday", defaults.DEFAULT_DEADLINE_WEEKDAY)
        days = self.initial.get("working_weekdays")
        if isinstance(days, str):
            self.initial["working_weekdays"] = [int(day) for day in days]

    def clean_working_weekdays(self) -> str:
        days = self.cleaned_data["working_weekdays"]
        if not days:
            raise ValidationError(_("Tick at least one working day."), "required")
        return "".join(str(day) for day in sorted(set(days)))

    def clean_completion_cap(self):
        # The table's constraint says the same, but only as "constraint cap_gte_100 is
        # invalid" above the form (QA): here it is said on the field, in words.
        cap = self.cleaned_data["completion_cap"]
        if cap is not None and cap < 100:
            raise ValidationError(
                _("The cap is at least 100: a metric met in full counts in full."),
                "min_value",
            )
        return cap


class TargetUploadForm(SheetUploadForm):
    file = forms.FileField(
        label=_("Targets sheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
