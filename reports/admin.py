from django.contrib import admin

from accounts.admin import ViewOnlyAdmin

from .models import BranchReportSettings, RollupRun


@admin.register(BranchReportSettings)
class BranchReportSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "highlight_below"]


@admin.register(RollupRun)
class RollupRunAdmin(ViewOnlyAdmin):
    """Who recomputed which week, when: a record, kept as it happened."""

    list_display = ["branch", "week_start", "trigger", "requested_by", "finished_at", "changed"]
    # Who asked is often nobody (the schedule), so the admin's own join skips it.
    list_select_related = ["branch", "requested_by"]
    list_filter = ["trigger", "branch"]
