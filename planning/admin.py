from django.contrib import admin

from .models import (
    BranchPlanningSettings,
    CalendarOverride,
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PlannedVisit,
    Target,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)


@admin.register(BranchPlanningSettings)
class BranchPlanningSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "branch",
        "working_weekdays",
        "review_deadline_weekday",
        "review_deadline_time",
        "completion_cap",
    ]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["branch", "date", "is_working_day", "note"]
    list_filter = ["branch", "is_working_day"]
    date_hierarchy = "date"


class TargetRevisionInline(admin.TabularInline):
    model = TargetRevision
    extra = 0
    can_delete = False
    readonly_fields = ["old_value", "new_value", "reason", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    # Targets change through the planning pages, which keep the revision history.
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
    readonly_fields = [
        "user",
        "region",
        "metric",
        "period_kind",
        "period_start",
        "value",
        "updated_by",
        "updated_at",
    ]
    inlines = [TargetRevisionInline]

    def has_add_permission(self, request):
        return False


class MonthlyGoalLineInline(admin.TabularInline):
    model = MonthlyGoalLine
    extra = 0


@admin.register(MonthlyGoalSheet)
class MonthlyGoalSheetAdmin(admin.ModelAdmin):
    list_display = ["month", "author", "region", "status", "agreed_by"]
    list_filter = ["status", "region"]
    raw_id_fields = ["author", "agreed_by"]
    inlines = [MonthlyGoalLineInline]


class WeeklyReviewLineInline(admin.TabularInline):
    model = WeeklyReviewLine
    extra = 0


class PlannedVisitInline(admin.TabularInline):
    model = PlannedVisit
    extra = 0
    raw_id_fields = ["prospect"]


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(admin.ModelAdmin):
    list_display = ["week_start", "author", "region", "status", "is_late", "reviewed_by"]
    list_filter = ["status", "is_late", "region"]
    raw_id_fields = ["author", "reviewed_by"]
    inlines = [WeeklyReviewLineInline, PlannedVisitInline]


class TrackedItemNoteInline(admin.TabularInline):
    model = TrackedItemNote
    extra = 0


@admin.register(TrackedItem)
class TrackedItemAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "assigner", "due_date", "status", "is_key"]
    list_filter = ["status", "is_key"]
    raw_id_fields = ["assignee", "assigner"]
    inlines = [TrackedItemNoteInline]
