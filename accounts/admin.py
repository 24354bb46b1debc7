from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import AdminLoginForm
from .models import Area, Branch, Region, RegionMembership, StaffImport, User

admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = RegionMembership
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["employee_no"]
    list_display = ["employee_no", "name", "role", "mobile", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["employee_no", "name", "mobile", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["employee_no", "password"]}),
        (_("Person"), {"fields": ["name", "mobile", "email", "role", "hire_date"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["employee_no", "name", "role", "password1", "password2"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "is_active" in form.changed_data and not form.instance.is_active:
            # As the staff import does: someone who left stops being a region member, so
            # no page counts them as owing a daily log from tomorrow on.
            services.membership_end(user=form.instance, end_date=timezone.localdate())


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "head"]
    autocomplete_fields = ["head"]
    search_fields = ["name"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "manager"]
    autocomplete_fields = ["manager"]
    search_fields = ["name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "area", "manager"]
    list_filter = ["branch"]
    autocomplete_fields = ["manager"]
    search_fields = ["name"]


@admin.register(StaffImport)
class StaffImportAdmin(admin.ModelAdmin):
    """The import history, read-only: imports happen on the staff import page."""

    list_display = ["created_at", "file_name", "created_by", "status", "new_count", "updated_count"]
    list_filter = ["status"]
    exclude = ["password_hash", "file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
