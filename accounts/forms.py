from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.text import plain_code

from . import services


def normalise_username(value: str) -> str:
    """An employee number as typed: full-width digits (０００２, from a Chinese input
    method) are ASCII, stray spaces and invisible characters go; as the staff import
    reads the 工号 column."""
    return plain_code(value)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Employee number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        return normalise_username(self.cleaned_data["username"])


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login with our length check: Django's own form sends a username of any
    length to authenticate(), and django-axes' 255-character column then fails with a 500."""

    username = LoginForm.base_fields["username"]

    def clean_username(self) -> str:
        return normalise_username(self.cleaned_data["username"])


class OwnPasswordChangeForm(PasswordChangeForm):
    """A password the person chose themselves: no longer one an admin knows."""

    def clean_new_password1(self) -> str:
        password = self.cleaned_data["new_password1"]
        # Keeping the initial password would leave it known to the admin and to everyone
        # imported with it. old_password is cleaned first (field_order) and is only in
        # cleaned_data when it is right, so this compares with the current password.
        if password == self.cleaned_data.get("old_password"):
            raise ValidationError(
                _("Choose a password different from your current one."),
                code="password_unchanged",
            )
        return password

    def save(self, commit=True):
        return services.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            chosen_by_owner=True,
            commit=commit,
        )
