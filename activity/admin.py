from django.contrib import admin
from django.db import models

from accounts.admin import ViewOnlyAdmin, ViewOnlyInline

from .models import BranchReminderSettings, DailyLog, LogEvent, Metric, RegionWebhook


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "order", "weight", "daily_ceiling", "is_active"]
    list_editable = ["order", "weight", "daily_ceiling", "is_active"]


class LogEventInline(ViewOnlyInline):
    model = LogEvent
    list_select_related = ("actor",)
    readonly_fields = ["actor", "action", "from_status", "to_status", "comment", "created_at"]


@admin.register(DailyLog)
class DailyLogAdmin(ViewOnlyAdmin):
    """Logs are the AMs' record of their work; they change only through the sign-off
    flow, which keeps the audit trail. Deleting one would change the summaries silently."""

    list_display = ["date", "author", "region", "status", "is_late"]
    list_filter = ["status", "region"]
    date_hierarchy = "date"
    search_fields = ["author__name", "author__employee_no"]
    list_select_related = ["author", "region"]
    # A year of a branch's logs is hundreds of thousands of rows: count them once (the
    # pages), not twice (the pages and "of N in all"), as each count reads the table.
    show_full_result_count = False
    inlines = [LogEventInline]


@admin.register(BranchReminderSettings)
class BranchReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "enabled", "missing_log_at", "sign_off_at", "escalate_at"]


@admin.register(RegionWebhook)
class RegionWebhookAdmin(admin.ModelAdmin):
    list_display = ["region", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    # Chat robots' addresses are https; an address pasted without its scheme means that.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
