from django.contrib import admin
from django.db import models

from .models import BranchReminderSettings, DailyLog, LogEvent, Metric, RegionWebhook


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "order", "weight", "is_active"]
    list_editable = ["order", "weight", "is_active"]


class LogEventInline(admin.TabularInline):
    model = LogEvent
    extra = 0
    readonly_fields = ["actor", "action", "from_status", "to_status", "comment", "created_at"]
    can_delete = False


@admin.register(DailyLog)
class DailyLogAdmin(admin.ModelAdmin):
    """Read-only: logs change only through the sign-off flow, which keeps the audit trail."""

    list_display = ["date", "author", "region", "status", "is_late"]
    list_filter = ["status", "region"]
    date_hierarchy = "date"
    search_fields = ["author__name", "author__employee_no"]
    list_select_related = ["author", "region"]
    inlines = [LogEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BranchReminderSettings)
class BranchReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "enabled", "missing_log_at", "sign_off_at", "escalate_at"]


@admin.register(RegionWebhook)
class RegionWebhookAdmin(admin.ModelAdmin):
    list_display = ["region", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    # Chat robots' addresses are https; an address pasted without its scheme means that.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
