from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.forms import DAY_FIELDS, NAME_FIELDS
from config.lists import joined
from config.text import phone_number, plain_code

from . import selectors, services
from .forms import AdminLoginForm
from .models import Area, Branch, Region, RegionMembership, Role, StaffImport, User
from .staff_import import MOBILE_RE, normalise_name

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
    # The people and metrics its lines name, joined in: a record may have many lines,
    # and each would otherwise fetch its own (as `list_select_related` on a list).
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.is_active:
            return
        # Someone who has left is no region's member from then on: an open membership
        # added or reopened here would list them as 未填 in the RM's week grid and count
        # them in the summaries' headcount (QA). Deactivating ends the open one itself.
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if form.has_changed() and not data.get("DELETE") and data.get("end_date") is None:
                form.add_error(
                    "end_date",
                    _(
                        "Someone who has left is in no region: give this membership an end "
                        "date, or make them active again."
                    ),
                )


class MembershipInline(admin.TabularInline):
    model = RegionMembership
    formfield_overrides = DAY_FIELDS
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["region"]

    def get_queryset(self, request):
        # Each row's title names the person and the region: joined in, not fetched per row.
        return super().get_queryset(request).select_related("user", "region")


class StaffFieldsMixin:
    """A person's number, name and mobile as the staff import reads them. Typed or pasted
    here they were kept as they came: 1999 with a zero-width space from WeChat was a login
    nobody could type, ＋８６ １３８-0013-8000 or "abc" a mobile the next import of the
    staff export refused."""

    def clean_employee_no(self):
        return plain_code(self.cleaned_data["employee_no"])

    def clean_name(self):
        name = normalise_name(self.cleaned_data["name"])
        if not name:
            raise ValidationError(self.fields["name"].error_messages["required"], "required")
        return name

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if "mobile" not in self.changed_data:
            return mobile  # as stored: an old entry does not block an unrelated change
        mobile = phone_number(mobile)
        if mobile and not MOBILE_RE.fullmatch(mobile):
            raise ValidationError(_("Not an 11-digit mainland mobile number."), "invalid")
        return mobile


class StaffChangeForm(StaffFieldsMixin, UserChangeForm):
    pass


class StaffCreationForm(StaffFieldsMixin, AdminUserCreationForm):
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


class CurrentRegionFilter(admin.SimpleListFilter):
    """Who works in a region today. A branch's staff list runs to thousands; the admin
    looking for 东北's people had only 角色 and 有效 to narrow it by."""

    title = _("region today")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = list(Region.objects.filter(closed_on__isnull=True).select_related("branch"))
        # Two branches may each have a 直属: then the branch tells them apart.
        several = len({region.branch_id for region in regions}) > 1
        return [
            (region.pk, f"{region.branch} · {region}" if several else str(region))
            for region in regions
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        members = RegionMembership.objects.on(timezone.localdate()).filter(
            user=OuterRef("pk"), region_id=self.value()
        )
        return queryset.filter(Exists(members))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    formfield_overrides = DAY_FIELDS
    ordering = ["employee_no"]
    list_display = ["employee_no", "name", "role", "mobile", "is_active"]
    list_filter = ["role", "is_active", CurrentRegionFilter]
    search_fields = ["employee_no", "name", "mobile", "email"]
    inlines = [MembershipInline]
    form = StaffChangeForm
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

    # Staff who are not superusers may be given the right to maintain people (HR, say):
    # not to hand out access. With Django's defaults they could tick 超级用户状态 on
    # their own record, make anyone 管理员, or set a superuser's password and log in as
    # them.
    ACCESS_FIELDS = ("is_staff", "is_superuser", "groups")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.ACCESS_FIELDS
        return readonly

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not request.user.is_superuser:
            field.choices = [c for c in field.choices if c[0] != Role.ADMIN]
        return field

    def _holds_more_access(self, request, obj) -> bool:
        """Someone whose record only a superuser changes: a superuser, or an admin."""
        return (
            obj is not None
            and not request.user.is_superuser
            and (obj.is_superuser or obj.role == Role.ADMIN)
        )

    def has_change_permission(self, request, obj=None):
        if self._holds_more_access(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._holds_more_access(request, obj):
            return False
        return super().has_delete_permission(request, obj)

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

    def save_formset(self, request, form, formset, change):
        # As they were: a late correction reaches the weeks rolled up with them.
        before = (
            {
                f.instance.pk: (
                    f.initial.get("region"),
                    f.initial.get("start_date"),
                    f.initial.get("end_date"),
                )
                for f in formset.initial_forms
            }
            if formset.model is RegionMembership
            else {}
        )
        super().save_formset(request, form, formset, change)
        if formset.model is RegionMembership:
            changed = [*formset.new_objects, *(m for m, _fields in formset.changed_objects)]
            if changed or formset.deleted_objects:
                services.memberships_saved(
                    user=form.instance,
                    memberships=changed,
                    before=before,
                    removed=formset.deleted_objects,
                )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "is_active" in form.changed_data and not form.instance.is_active:
            # As the staff import does: someone who left stops being a region member, so
            # no page counts them as owing a daily log from the day they leave on, and
            # gives up the regions, areas and branches they managed.
            services.user_deactivate(user=form.instance, day=timezone.localdate())
        elif change and "role" in form.changed_data:
            given_up = services.user_role_changed(
                user=form.instance, old_role=form.initial["role"], day=timezone.localdate()
            )
            if given_up:
                messages.info(
                    request,
                    _("%(name)s no longer manages %(posts)s: their role holds no such post.")
                    % {"name": form.instance.name, "posts": joined(given_up)},
                )


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    formfield_overrides = NAME_FIELDS
    list_display = ["name", "head"]
    # A branch without a head is allowed, so the admin's own join skips the head.
    list_select_related = ["head"]
    autocomplete_fields = ["head"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "head" in form.changed_data:
            old_head = form.initial.get("head")
            services.branch_head_changed(branch=obj, old_head_id=getattr(old_head, "pk", old_head))


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    formfield_overrides = NAME_FIELDS
    list_display = ["name", "branch", "manager"]
    list_select_related = ["branch", "manager"]
    autocomplete_fields = ["manager"]
    search_fields = ["name"]


class ClosedFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "closed"

    def lookups(self, request, model_admin):
        return [
            ("no", pgettext_lazy("region status", "Open")),
            ("yes", pgettext_lazy("region status", "Closed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(closed_on__isnull=True)
        if self.value() == "yes":
            return queryset.filter(closed_on__isnull=False)
        return queryset


class RegionForm(forms.ModelForm):
    """Closing is checked here, so the admin sees why a region cannot close (its people
    have not left yet) on the field; `RegionAdmin.save_model` then closes it."""

    class Meta:
        model = Region
        fields = ["branch", "area", "name", "manager", "closed_on"]

    def clean(self):
        data = super().clean()
        closed_on = data.get("closed_on")
        if closed_on is not None and self.instance.pk and closed_on != self.instance.closed_on:
            try:
                services.region_closing_check(region=self.instance, closed_on=closed_on)
            except ValidationError as error:
                self.add_error("closed_on", error)
        if closed_on is not None and self.instance.closed_on is not None and data.get("manager"):
            # Closed already (closing now clears the manager): a manager chosen now would
            # hold a post in a region nobody works in.
            self.add_error(
                "manager",
                _("A closed region has no regional manager: clear its closing date first."),
            )
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    formfield_overrides = {**DAY_FIELDS, **NAME_FIELDS}
    list_display = ["name", "branch", "area", "manager", "signer", "closed_on"]
    list_filter = ["branch", ClosedFilter]
    list_select_related = ["branch__head", "area__manager", "manager"]
    autocomplete_fields = ["manager"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # A new region is open: it closes later, once it has had its days.
        return ["closed_on"] if obj is None else []

    def save_model(self, request, obj, form, change):
        closing = "closed_on" in form.changed_data
        if closing and change:
            # The rest of the form first, then the close, which ends the manager's post.
            obj.closed_on = form.initial.get("closed_on")
            super().save_model(request, obj, form, change)
            services.region_close(region=obj, closed_on=form.cleaned_data["closed_on"])
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)
        if change and "manager" in form.changed_data:
            services.region_managers_changed(region_ids=[obj.pk])

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "regionmembership":
            # Nobody joins a closed region: the membership picker offers open ones only.
            queryset = queryset.filter(closed_on__isnull=True)
        return queryset, may_have_duplicates

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
    list_select_related = ["created_by"]
    list_filter = ["status"]
    exclude = ["password_hash", "file"]
