from django.contrib import admin

from .models import BranchReportSettings, RollupRun


@admin.register(BranchReportSettings)
class BranchReportSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "highlight_below"]


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
    list_display = ["branch", "week_start", "trigger", "requested_by", "finished_at", "changed"]
    list_filter = ["trigger", "branch"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
