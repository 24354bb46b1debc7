from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, pgettext

from accounts.admin import ViewOnlyAdmin, ViewOnlyInline
from accounts.models import Branch
from config.forms import DAY_FIELDS

from . import services
from .calendar import holidays_not_entered_by_branch
from .forms import BranchPlanningSettingsForm, CalendarPeriodForm
from .models import (
    BranchPlanningSettings,
    CalendarOverride,
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PlannedVisit,
    Target,
    TargetImport,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)


@admin.register(BranchPlanningSettings)
class BranchPlanningSettingsAdmin(admin.ModelAdmin):
    form = BranchPlanningSettingsForm
    list_display = [
        "branch",
        "working_days",
        "review_deadline_day",
        "review_deadline_time",
        "completion_cap",
    ]

    @admin.display(description=_lazy("working days of the week"))
    def working_days(self, settings):
        # 、 between Chinese words, a comma between English ones.
        separator = pgettext("list separator", ", ")
        return separator.join(str(WEEKDAYS[int(day)]) for day in settings.working_weekdays)

    @admin.display(description=_lazy("weekly review due on"))
    def review_deadline_day(self, settings):
        return WEEKDAYS[settings.review_deadline_weekday]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    formfield_overrides = DAY_FIELDS
    list_display = ["branch", "date", "is_working_day", "note"]
    list_filter = ["branch", "is_working_day"]
    date_hierarchy = "date"
    change_list_template = "admin/planning/calendaroverride/change_list.html"

    def get_urls(self):
        return [
            path(
                "add-period/",
                self.admin_site.admin_view(self.add_period_view),
                name="planning_calendaroverride_add_period",
            ),
            *super().get_urls(),
        ]

    # A day changed one by one here counts as much as a period: the weeks already rolled
    # up over it are computed again (see services.calendar_changed).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._changed(
            [obj.branch_id, form.initial.get("branch")], [obj.date, form.initial.get("date")]
        )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._changed([obj.branch_id], [obj.date])

    def delete_queryset(self, request, queryset):
        days = defaultdict(list)
        for branch_id, day in queryset.values_list("branch_id", "date"):
            days[branch_id].append(day)
        super().delete_queryset(request, queryset)
        for branch_id, branch_days in days.items():
            self._changed([branch_id], branch_days)

    @staticmethod
    def _changed(branch_ids, days):
        days = [day for day in days if day]
        services.calendar_changed(
            branch_ids={pk for pk in branch_ids if pk}, first=min(days), last=max(days)
        )

    def changelist_view(self, request, extra_context=None):
        # Say which years' holidays Footwork does not know yet, until they are entered.
        today = timezone.localdate()
        # Per year, the holidays each branch still lacks: what is left to enter.
        unknown = [
            (year, missing)
            for year in (today.year, today.year + 1)
            if (missing := holidays_not_entered_by_branch(year))
        ]
        extra_context = {**(extra_context or {}), "years_without_holidays": unknown}
        return super().changelist_view(request, extra_context)

    def add_period_view(self, request):
        # It adds, changes and (replacing the days' earlier overrides) deletes rows.
        if not all(
            allowed(request)
            for allowed in (
                self.has_add_permission,
                self.has_change_permission,
                self.has_delete_permission,
            )
        ):
            raise PermissionDenied
        form = CalendarPeriodForm(request.POST or None, initial={"branches": Branch.objects.all()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                written = services.calendar_period_set(
                    branch_ids=[branch.pk for branch in data["branches"]],
                    first=data["first"],
                    last=data["last"],
                    is_working_day=data["is_working_day"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d day saved (%(first)s to %(last)s).",
                        "%(n)d days saved (%(first)s to %(last)s).",
                        written,
                    )
                    % {"n": written, "first": data["first"], "last": data["last"]},
                )
                return redirect("admin:planning_calendaroverride_changelist")
        return TemplateResponse(
            request,
            "admin/planning/calendaroverride/add_period.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Add a holiday period"),
                "form": form,
            },
        )


class TargetRevisionInline(ViewOnlyInline):
    model = TargetRevision
    list_select_related = ("changed_by",)
    readonly_fields = ["old_value", "new_value", "reason_shown", "changed_by", "changed_at"]

    @admin.display(description=_lazy("reason"))
    def reason_shown(self, revision):
        return revision.shown_reason()


@admin.register(Target)
class TargetAdmin(ViewOnlyAdmin):
    # Targets change through the planning pages, which keep the revision history; a
    # target deleted here would take its history along and move goals silently.
    list_display = [
        "period_start",
        "period_kind",
        "user",
        "region",
        "metric",
        "value",
        "updated_by",
    ]
    list_filter = ["period_kind", "metric"]
    list_select_related = ["user", "region", "metric", "updated_by"]
    # A branch's targets are tens of thousands of rows: found by the person's 工号 or name.
    search_fields = ["user__employee_no", "user__name", "region__name"]
    inlines = [TargetRevisionInline]


@admin.register(TargetImport)
class TargetImportAdmin(ViewOnlyAdmin):
    """The history of the imports saved in the background (a small file is saved in the
    request and leaves no row): imports happen on the target import page."""

    list_display = ["created_at", "file_name", "created_by", "status", "total_cells", "saved_count"]
    list_select_related = ["created_by"]
    list_filter = ["status"]
    # Where the worker finds the file and what the preview was: the worker's, not the reader's.
    exclude = ["file_path", "fingerprint", "language"]


# Goal sheets, weekly reviews and tracked items are the AMs' and RMs' own work: an agreed
# line becomes a target, a review "reviewed" carries the RM's name. They change only on
# the planning pages, which keep those rules and tell the other side.


class MonthlyGoalLineInline(ViewOnlyInline):
    model = MonthlyGoalLine
    list_select_related = ("metric",)


@admin.register(MonthlyGoalSheet)
class MonthlyGoalSheetAdmin(ViewOnlyAdmin):
    list_display = ["month", "author", "region", "status", "agreed_by"]
    list_filter = ["status", "region"]
    list_select_related = ["author", "region", "agreed_by"]
    search_fields = ["author__employee_no", "author__name"]
    inlines = [MonthlyGoalLineInline]


class WeeklyReviewLineInline(ViewOnlyInline):
    model = WeeklyReviewLine
    list_select_related = ("metric",)


class PlannedVisitInline(ViewOnlyInline):
    model = PlannedVisit
    list_select_related = ("prospect",)


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(ViewOnlyAdmin):
    list_display = ["week_start", "author", "region", "status", "is_late", "reviewed_by"]
    list_filter = ["status", "is_late", "region"]
    list_select_related = ["author", "region", "reviewed_by"]
    search_fields = ["author__employee_no", "author__name"]
    inlines = [WeeklyReviewLineInline, PlannedVisitInline]


class TrackedItemNoteInline(ViewOnlyInline):
    model = TrackedItemNote
    list_select_related = ("author",)


@admin.register(TrackedItem)
class TrackedItemAdmin(ViewOnlyAdmin):
    list_display = ["title", "assignee", "assigner", "due_date", "status", "is_key"]
    list_filter = ["status", "is_key"]
    list_select_related = ["assignee", "assigner"]
    search_fields = ["assignee__employee_no", "assignee__name", "title"]
    inlines = [TrackedItemNoteInline]
