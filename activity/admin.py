import datetime

from django.contrib import admin
from django.db import models
from django.db.models import Max, Min

from accounts.admin import ViewOnlyAdmin, ViewOnlyInline

from .models import (
    BranchReminderSettings,
    DailyLog,
    DailyLogQuerySet,
    LogEvent,
    Metric,
    RegionWebhook,
)


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "order", "weight", "daily_ceiling", "is_active"]
    list_editable = ["order", "weight", "daily_ceiling", "is_active"]


class LogEventInline(ViewOnlyInline):
    model = LogEvent
    list_select_related = ("actor",)
    readonly_fields = ["actor", "action", "from_status", "to_status", "comment", "created_at"]


class _LogsYearsFromEnds(DailyLogQuerySet):
    """Logs whose years (the list's date drill-down, before a year is picked) are those
    from the first log's to the last's, read from the two ends of the date index. The
    drill-down's own way, DISTINCT over every log's year, read the whole table on each
    opening of the list: 175 ms at 230,000 logs, growing a year's worth every year. A
    year with no log at all between two with logs does not happen."""

    def dates(self, field_name, kind, order="ASC"):
        if kind != "year":
            return super().dates(field_name, kind, order)
        ends = self.aggregate(first=Min(field_name), last=Max(field_name))
        if ends["first"] is None:
            return []
        years = [
            datetime.date(year, 1, 1) for year in range(ends["first"].year, ends["last"].year + 1)
        ]
        return years if order == "ASC" else years[::-1]


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

    def get_queryset(self, request):
        logs = super().get_queryset(request)
        return _LogsYearsFromEnds(model=logs.model, query=logs.query, using=logs.db)


@admin.register(BranchReminderSettings)
class BranchReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "enabled", "missing_log_at", "sign_off_at", "escalate_at"]


@admin.register(RegionWebhook)
class RegionWebhookAdmin(admin.ModelAdmin):
    list_display = ["region", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    # Chat robots' addresses are https; an address pasted without its scheme means that.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
