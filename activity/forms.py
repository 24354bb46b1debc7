import re

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.renderers import Jinja2
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.collation import by_name_pinyin
from config.forms import CountInput, FreeTextField, SingleLineField
from config.lists import joined
from config.text import phone_number

from . import selectors
from .models import DailyLog, Metric, Prospect, SalesChannel, SourceMarket
from .selectors import USUAL_MIN_LOGS, VISITS_METRIC_CODE, UsualCounts
from .services import VisitInput


class CustomerPhoneField(forms.CharField):
    """A customer's phone: a mainland mobile, a landline with its area code (and maybe an
    extension), or a 400/800 service number. Spaces, dashes, dots, brackets, full-width
    digits, +86 and 0086 are tidied away (`config.text.phone_number`), so 139 1234 5678
    and (0571)8888-6666 转 123 are kept as 13912345678 and 057188886666转123."""

    PATTERN = re.compile(r"1[3-9]\d{9}|(?:0\d{9,11}|[48]00\d{7})(?:转\d{1,6})?")
    # The box takes the number as written (+86 (0)571 8888 6666 转 123 is 25 characters);
    # what is kept is at most 19 (PATTERN), within the column's 20.
    TYPED_MAX_LENGTH = 40
    default_error_messages = {
        "invalid": _(
            "Enter an 11-digit mobile number, or a landline with its area code "
            "(an extension after 转)."
        )
    }

    def __init__(self, **kwargs):
        kwargs["max_length"] = self.TYPED_MAX_LENGTH
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "tel")

    def to_python(self, value):
        return phone_number(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not self.PATTERN.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def count_field_name(metric: Metric) -> str:
    return f"count_{metric.code}"


# The daily-log forms render with Django's Jinja2 form renderer: the log page, the most
# opened page, renders ~40 fields, and with the Django template engine their widgets
# were most of its cost. Django ships Jinja2 copies of its widget templates (same
# markup). Only these forms: the admin's widgets exist as Django templates alone.
# One instance, so its template environment is built once per process.
LOG_FORM_RENDERER = Jinja2()


def _bootstrap_widgets(fields) -> None:
    """Bootstrap markup for the log page's ~40 fields: classes on the widgets, and a small
    field template (activity/jinja2/activity/field.html) instead of crispy, which cost
    over half the page."""
    for field in fields:
        field.template_name = "activity/field.html"
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs = {**widget.attrs, "class": f"{css} {widget.attrs.get('class', '')}".strip()}


class DailyLogForm(forms.ModelForm):
    """The log's own fields plus one count field per active metric."""

    default_renderer = LOG_FORM_RENDERER

    class Meta:
        model = DailyLog
        fields = [
            "needs_joint_visit",
            "needs_from_manager",
            "support_training",
            "support_material",
            "support_notes",
            "remarks",
        ]
        field_classes = {
            "needs_from_manager": FreeTextField,
            "support_notes": FreeTextField,
            "remarks": FreeTextField,
        }
        widgets = {
            "needs_from_manager": forms.Textarea(attrs={"rows": 2}),
            "support_notes": forms.Textarea(attrs={"rows": 2}),
            "remarks": forms.Textarea(attrs={"rows": 3}),
        }

    # The saved revision the page was opened on: a post from a page opened before
    # another tab or phone saved is shown back instead of silently replacing that save.
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args, metrics: list[Metric], counts: dict[int, int] | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["revision"].initial = self.instance.revision if self.instance.pk else 0
        self.metrics = metrics
        self.counts_to_confirm = ""
        counts = counts or {}
        for metric in metrics:
            self.fields[count_field_name(metric)] = forms.IntegerField(
                label=metric.label,
                min_value=0,
                max_value=9999,
                required=False,
                initial=counts.get(metric.pk, 0),
                widget=CountInput(attrs={"class": "text-center"}),
            )
        _bootstrap_widgets(self.fields.values())

    def count_fields(self) -> list:
        return [self[count_field_name(m)] for m in self.metrics]

    def counts(self) -> dict[int, int]:
        return {m.pk: self.cleaned_data.get(count_field_name(m)) or 0 for m in self.metrics}

    def check_visits_counted(self, records: int) -> bool:
        """On submitting: each visit record is one visit, so 拜访 is at least the number
        of records (a count of 1 beside two records under-counted the region's visits).
        Drafts may disagree while the AM is still typing."""
        field = next(
            (count_field_name(m) for m in self.metrics if m.code == VISITS_METRIC_CODE), None
        )
        if field is None or (self.cleaned_data.get(field) or 0) >= records:
            return True
        self.add_error(
            field,
            ngettext(
                "You wrote %(records)d visit record below: count at least %(records)d visit.",
                "You wrote %(records)d visit records below: count at least %(records)d visits.",
                records,
            )
            % {"records": records},
        )
        return False

    # The box ticked to hand in counts that look too high: its value names the counts it
    # confirms, so a count changed after ticking is asked about again.
    CONFIRM_COUNTS = "confirm_counts"

    # The box's value for a log with every count 0 and no visit: no metric's "code=value".
    NOTHING_RECORDED = "nothing"

    def check_counts_plausible(self, usual: UsualCounts, *, records: int) -> bool:
        """On submitting: a count far above the AM's usual, or above the metric's ceiling,
        is a slip of the thumb as often as a great day (拜访 1000 for 10), and a wrong
        count lands in the region's totals. A log with nothing on it (every count 0, no
        visit record) is a training day now and then, but more often 提交 tapped on the
        wrong day's log. Asked, never refused: ticking the box hands the log in as typed.
        Sets `counts_to_confirm` for the page."""
        if not records and not any(self.counts().values()):
            self.counts_to_confirm = self.NOTHING_RECORDED
            if self.counts_confirmed():
                return True
            self.add_error(
                None,
                _(
                    "Nothing is recorded on this log. Fill in the day's counts, or tick "
                    "“Nothing to record this day” and submit again."
                ),
            )
            return False
        doubts = []
        for metric in self.metrics:
            name = count_field_name(metric)
            value = self.cleaned_data.get(name) or 0
            message = _doubt(metric, value, usual)
            if message:
                doubts.append((name, metric.code, value, message))
        self.counts_to_confirm = ",".join(f"{code}={value}" for _n, code, value, _m in doubts)
        if not doubts or self.data.get(self.CONFIRM_COUNTS) == self.counts_to_confirm:
            return True
        for name, _code, _value, message in doubts:
            self.add_error(name, message)
        self.add_error(
            None,
            _(
                "Some counts look too high. Correct them, or tick “These counts are right” "
                "and submit again."
            ),
        )
        return False

    @property
    def nothing_recorded(self) -> bool:
        """Whether the page asks about a log with nothing on it (not about high counts)."""
        return self.counts_to_confirm == self.NOTHING_RECORDED

    def counts_confirmed(self) -> bool:
        """Whether the box is to be shown ticked: it confirmed exactly these counts."""
        return bool(self.counts_to_confirm) and (
            self.data.get(self.CONFIRM_COUNTS) == self.counts_to_confirm
        )

    def opened_before(self, log: DailyLog | None) -> bool:
        """Whether this post comes from a page opened before `log`'s last save (a post
        without the revision, from an older page, is not checked)."""
        if self.data.get("revision") in (None, ""):
            return False
        try:
            opened_on = int(self.data["revision"])
        except ValueError:
            return True
        return opened_on != (log.revision if log is not None else 0)

    def log_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def _doubt(metric: Metric, value: int, usual: UsualCounts) -> str:
    """Why `value` of `metric` on one day's log wants confirming, or "" when it does not:
    far above the AM's usual (over three times her highest of late and 20 more), or above
    the metric's ceiling and above anything she counted of late (a figure she reached
    before is her own, not a slip)."""
    high = usual.highest.get(metric.pk, 0)
    logs = usual.logs_with.get(metric.pk, 0)
    if logs >= USUAL_MIN_LOGS and value > max(3 * high, high + 20):
        return _(
            "%(value)d is far above your usual: at most %(high)d in your last %(logs)d logs. "
            "Correct it if it is a slip."
        ) % {"value": value, "high": high, "logs": logs}
    if metric.daily_ceiling is not None and value > max(metric.daily_ceiling, high):
        return _(
            "%(value)d in one day is a lot (more than %(limit)d). Correct it if it is a slip."
        ) % {
            "value": value,
            "limit": metric.daily_ceiling,
        }
    return ""


class ProspectSelect(forms.Select):
    """A visit card's list of the AM's prospects, with its options rendered beforehand
    (`options_html`, once per page): every card lists the same prospects, and rendered
    option by option, 15 visits of an AM with 400 prospects were 6,000 option templates,
    most of the log page's time. Each card only marks its own choice."""

    options_html: str | None = None

    def render(self, name, value, attrs=None, renderer=None):
        if self.options_html is None:
            return super().render(name, value, attrs, renderer)
        chosen = escape("" if value is None else str(value))
        options = self.options_html.replace(
            f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        # Safe: the names were escaped when the options were built, the attributes by flatatt.
        return mark_safe(f'<select name="{escape(name)}"{attrs}>{options}</select>')  # noqa: S308


# The log page's <datalist> of the AM's prospects' names, offered under every visit's
# "customer" box; static/js/visits.js picks the prospect whose name is typed there.
PROSPECT_NAMES_ID = "prospect-names"


class VisitForm(forms.Form):
    default_renderer = LOG_FORM_RENDERER

    prospect = forms.ModelChoiceField(
        label=_("From my prospects"),
        queryset=Prospect.objects.none(),
        required=False,
        empty_label="—",  # as the log's other lists, not Django's "---------"
        widget=ProspectSelect,
    )
    customer = SingleLineField(label=_("Customer or organisation"), max_length=100, required=False)
    channel = forms.ChoiceField(
        label=_("Sales channel"), choices=[("", "—"), *SalesChannel.choices], required=False
    )
    marketing_activity = SingleLineField(
        label=_("Marketing activity"), max_length=100, required=False
    )
    stage = forms.ChoiceField(label=_("Intent and progress"), required=False)
    needs = FreeTextField(
        label=_("Customer needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    result = FreeTextField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = SingleLineField(label=_("Next step"), max_length=200, required=False)
    save_prospect = forms.BooleanField(label=_("Add to my prospects"), required=False)
    prospect_phone = CustomerPhoneField(label=_("Phone"), required=False)
    prospect_source = forms.ChoiceField(
        label=_("Source market"), choices=[("", "—"), *SourceMarket.choices], required=False
    )

    def __init__(self, *args, owner=None, prospect_choices=None, prospect_options=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import IntentStage

        self.fields["stage"].choices = [("", "—"), *IntentStage.choices]
        _bootstrap_widgets(self.fields.values())
        if owner is not None:
            prospect = self.fields["prospect"]
            prospect.queryset = Prospect.objects.filter(owner=owner).only("pk", "name")
            if prospect_choices is not None:
                # Read once per formset, not once per visit form (the queryset still
                # checks what comes back).
                prospect.widget.choices = [("", prospect.empty_label), *prospect_choices]
                prospect.widget.options_html = prospect_options
            if prospect_choices:
                # Typing in the box offers her prospects' names (the page's datalist):
                # a phone's picker wheel of 400 names is no way to find one.
                self.fields["customer"].widget.attrs["list"] = PROSPECT_NAMES_ID

    def clean(self):
        data = super().clean()
        prospect = data.get("prospect")
        if not data.get("customer") and prospect is not None:
            data["customer"] = prospect.name
        if not data.get("customer"):
            self.add_error("customer", _("Name the customer or organisation you visited."))
        if data.get("prospect_phone") or data.get("prospect_source"):
            # Typed under "Not on my prospect list yet? Add it" without ticking the box:
            # the phone was dropped without a word. Typing it is asking to add her; for a
            # prospect picked from the list, her page is where her phone changes.
            if prospect is None:
                data["save_prospect"] = True
            elif data.get("prospect_phone") and data["prospect_phone"] != phone_number(
                prospect.phone
            ):
                self.add_error(
                    "prospect_phone",
                    _(
                        "This visit is of a prospect on your list: change her phone on her "
                        "page. Clear the phone here, or pick “—” to add a new prospect."
                    ),
                )
        return data

    def to_input(self) -> VisitInput:
        data = self.cleaned_data
        new_prospect = {}
        if data.get("save_prospect") and not data.get("prospect"):
            new_prospect = {
                "phone": data.get("prospect_phone", ""),
                "source": data.get("prospect_source", ""),
            }
        return VisitInput(
            customer=data["customer"],
            prospect_id=data["prospect"].pk if data.get("prospect") else None,
            channel=data.get("channel", ""),
            marketing_activity=data.get("marketing_activity", ""),
            stage=data.get("stage", ""),
            needs=data.get("needs", ""),
            result=data.get("result", ""),
            next_step=data.get("next_step", ""),
            new_prospect=new_prospect,
        )


# A visit card's list of prospects holds at most this many (and the ones chosen on the
# page): the ones she visited or added last. QA at real size: an AM with 800 prospects
# and 15 visits got a log page of 800 KB, 16 lists of 800 names, on a phone. Any other
# prospect is found by typing its name in the customer box (the page's datalist offers
# every name) and linked by that name when the log is saved.
PROSPECTS_LISTED = 50


class BaseVisitFormSet(forms.BaseFormSet):
    prospects_listed = PROSPECTS_LISTED

    @cached_property
    def all_prospects(self) -> list[tuple[int, str]]:
        """Every prospect of the owner, (pk, name) in the list's order."""
        owner = self.form_kwargs.get("owner")
        if owner is None:
            return []
        return list(
            Prospect.objects.filter(owner=owner)
            .order_by(by_name_pinyin("name"))
            .values_list("pk", "name")
        )

    @property
    def prospects_bounded(self) -> bool:
        """Whether the cards list only some of her prospects."""
        return len(self.all_prospects) > PROSPECTS_LISTED

    @cached_property
    def prospect_choices(self) -> list[tuple[int, str]]:
        """The prospects of every visit form's picker (and the page's cache key): all of
        hers, or when she has many, the latest she worked on and those chosen here."""
        if not self.prospects_bounded:
            return self.all_prospects
        listed = set(
            selectors.prospects_worked_on_lately(self.form_kwargs["owner"], PROSPECTS_LISTED)
        )
        listed |= self._chosen_prospect_ids()
        return [choice for choice in self.all_prospects if choice[0] in listed]

    def _chosen_prospect_ids(self) -> set[int]:
        chosen = [row.get("prospect") for row in self.initial or []]
        if self.is_bound:
            start = f"{self.prefix}-"
            chosen += [
                value
                for key, value in self.data.items()
                if key.startswith(start) and key.endswith("-prospect")
            ]
        return {int(value) for value in chosen if str(value or "").isdigit()}

    def clean(self):
        """A visit whose customer is the name of one of her prospects is that prospect's,
        as picking it would make it (static/js/visits.js picks it while she types): a
        prospect beyond the cards' list is found that way. A new prospect asked for is
        left to the saving, which matches it by name and phone."""
        super().clean()
        by_name: dict[str, list[int]] = {}
        for pk, name in self.all_prospects:
            by_name.setdefault(selectors.customer_key(name), []).append(pk)
        linked = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("prospect") or data.get("save_prospect"):
                continue
            matches = by_name.get(selectors.customer_key(data.get("customer", "")), [])
            if len(matches) == 1:
                linked[form] = matches[0]
        prospects = Prospect.objects.in_bulk(set(linked.values())) if linked else {}
        for form, pk in linked.items():
            form.cleaned_data["prospect"] = prospects[pk]

    @cached_property
    def prospect_options(self) -> str:
        """Those prospects as the HTML options of every visit card's list."""
        return format_html_join(
            "", '<option value="{}">{}</option>', [("", "—"), *self.prospect_choices]
        )

    @cached_property
    def prospect_names(self) -> str:
        """Their names as the options of the page's datalist, each name once."""
        names = dict.fromkeys(name for _pk, name in self.all_prospects)
        return format_html_join("", '<option value="{}">', ((name,) for name in names))

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "prospect_choices": self.prospect_choices,
            "prospect_options": self.prospect_options,
        }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Bootstrap's tick box, as the form's own fields have: the bare 13 px box was the
        # card's smallest target on a phone.
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


VisitFormSet = forms.formset_factory(
    VisitForm,
    formset=BaseVisitFormSet,
    extra=1,
    can_delete=True,
    max_num=50,
    renderer=LOG_FORM_RENDERER,
)


def visits_from_formset(formset) -> list[VisitInput]:
    # Every validated form counts, changed or not: a visit saved earlier comes back as an
    # unchanged initial form and must be kept. Blank extra forms are not validated and so
    # have no cleaned_data.
    return [
        form.to_input()
        for form in formset.forms
        if form.cleaned_data and not (formset.can_delete and form.cleaned_data.get("DELETE"))
    ]


def visit_initial(log: DailyLog | None) -> list[dict]:
    if log is None:
        return []
    return [
        {
            "prospect": v.prospect_id,
            "customer": v.customer,
            "channel": v.channel,
            "marketing_activity": v.marketing_activity,
            "stage": v.stage,
            "needs": v.needs,
            "result": v.result,
            "next_step": v.next_step,
        }
        for v in log.visits.all()
    ]


class CommentForm(forms.Form):
    comment = FreeTextField(
        label=_("Comment (coaching note)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = FreeTextField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason.")},
    )


class BulkSignOffForm(forms.Form):
    logs = forms.ModelMultipleChoiceField(queryset=DailyLog.objects.none(), label=_("Logs"))
    # One line on the queue page; a post with line breaks is still counted as typed.
    comment = FreeTextField(label=_("Comment for all"), required=False, widget=forms.TextInput)

    def __init__(self, *args, scope, **kwargs):
        """`scope`: every log the manager signs off, whatever its status: one handled
        meanwhile is reported by the service, one outside it refuses the whole post."""
        super().__init__(*args, **kwargs)
        self.fields["logs"].queryset = scope
        not_yours = _(
            "Some of the ticked logs are not yours to sign off, so none was signed. "
            "Reload the queue."
        )
        self.fields["logs"].error_messages.update(
            invalid_choice=not_yours,
            invalid_pk_value=not_yours,
            required=_("Tick the logs to sign off."),
        )


class ProspectForm(forms.ModelForm):
    # When the prospect was last saved, as the page was opened: a post from a page opened
    # before another tab (or a log's visit, which moves the stage on) saved it is shown
    # back instead of silently putting the older values back.
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Prospect
        fields = [
            "name",
            "source",
            "phone",
            "address",
            "contact_name",
            "contact_gender",
            "contact_age",
            "contact_position",
            "contact_hobbies",
            "attitude",
            "stage",
        ]
        field_classes = {
            "name": SingleLineField,
            "phone": CustomerPhoneField,
            "address": SingleLineField,
            "contact_name": SingleLineField,
            "contact_position": SingleLineField,
            "contact_hobbies": SingleLineField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.fields["revision"].initial = self.instance.revision
        # As saved, for telling a repeated post from one that would undo another save
        # (is_valid writes the posted values onto the instance).
        self.saved = {name: getattr(self.instance, name) for name in self.Meta.fields}
        age = self.fields["contact_age"]  # a contact person: 300 was saved
        age.validators += [MinValueValidator(16), MaxValueValidator(100)]
        age.widget.attrs.update(min=16, max=100)
        for field in self.fields.values():  # "not given" reads —, as on the log page
            if isinstance(field, forms.TypedChoiceField) and field.choices[0][0] == "":
                field.choices = [("", "—"), *field.choices[1:]]

    def changed_elsewhere(self) -> bool:
        """After `is_valid`: whether the prospect was saved since this page was opened
        with other values than posted here (the same values twice, a double tap, are no
        conflict). The page then carries the newer revision, so saving again goes on."""
        opened = self.cleaned_data.get("revision")
        current = self.instance.revision
        if opened is None or opened == current:
            return False
        if not self.differences():
            return False
        self.data = self.data.copy()
        self.data["revision"] = current
        return True

    def differences(self) -> str:
        """The fields whose saved value is not what was posted, with the saved value:
        "意向及进展：待促成、电话：13912345678"."""
        shown = []
        for name in self.Meta.fields:
            value = self.saved[name]
            if value == self.cleaned_data[name]:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            shown.append(_("%(field)s: %(value)s") % {"field": field.label, "value": value or "—"})
        return joined(shown)
