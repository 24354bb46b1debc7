from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .forms import AdminLoginForm
from .models import Area, Branch, Region, RegionMembership, StaffImport, User

admin.site.login_form = AdminLoginForm


class ViewOnlyAdmin(admin.ModelAdmin):
    """A record of what people did (a log, a sheet, an import): the admin reads it but
    neither adds, changes nor deletes it. Such records change only through the app's own
    pages, which keep the rules, the audit trail and the notifications."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline(admin.TabularInline):
    """The lines of a record, as read-only as the record itself."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = RegionMembership
    extra = 0
    autocomplete_fields = ["region"]


class StaffCreationForm(AdminUserCreationForm):
    """A password the admin types for a new person is known to the admin: the person
    replaces it at the first login."""

    def save(self, commit=True):
        self.instance.must_change_password = self.cleaned_data["set_usable_password"]
        return super().save(commit=commit)


class StaffPasswordSetForm(AdminPasswordChangeForm):
    """As StaffCreationForm, for a password the admin sets for someone later (a reset)."""

    def save(self, commit=True):
        if not self.cleaned_data["set_usable_password"]:
            return super().save(commit=commit)
        return services.user_password_set(
            user=self.user,
            password=self.cleaned_data["password1"],
            chosen_by_owner=False,
            commit=commit,
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["employee_no"]
    list_display = ["employee_no", "name", "role", "mobile", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["employee_no", "name", "mobile", "email"]
    inlines = [MembershipInline]
    add_form = StaffCreationForm
    change_password_form = StaffPasswordSetForm
    fieldsets = [
        (None, {"fields": ["employee_no", "password", "must_change_password"]}),
        (_("Person"), {"fields": ["name", "mobile", "email", "role", "hire_date"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["employee_no", "name", "role", "password1", "password2"]}),
    ]

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and response.status_code == 302
            and str(id) == str(request.user.pk)
        ):
            # An admin setting their own password here chose it themselves.
            User.objects.filter(pk=request.user.pk).update(must_change_password=False)
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "is_active" in form.changed_data and not form.instance.is_active:
            # As the staff import does: someone who left stops being a region member, so
            # no page counts them as owing a daily log from the day they leave on, and
            # gives up the regions, areas and branches they managed.
            services.user_deactivate(user=form.instance, day=timezone.localdate())


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
    list_display = ["name", "branch", "area", "manager", "signer"]
    list_filter = ["branch"]
    list_select_related = ["branch__head", "area__manager", "manager"]
    autocomplete_fields = ["manager"]
    search_fields = ["name"]

    @admin.display(description=_("signs off its logs"))
    def signer(self, region):
        # A region without an active regional manager is signed off by the next manager
        # up: the admin sees where its logs go, or that nobody can sign them.
        signer = selectors.region_signer(region)
        if signer is None:
            return _("nobody: appoint a regional manager")
        return str(signer)


@admin.register(StaffImport)
class StaffImportAdmin(ViewOnlyAdmin):
    """The import history: imports happen on the staff import page."""

    list_display = ["created_at", "file_name", "created_by", "status", "new_count", "updated_count"]
    list_filter = ["status"]
    exclude = ["password_hash", "file"]
