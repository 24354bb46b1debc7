from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .staff_import import MAX_UPLOAD_BYTES, UploadRefused, upload_check


class SheetUploadForm(forms.Form):
    """A spreadsheet refused before anything parses it (`upload_check`); its bytes are in
    cleaned_data["data"]. The target import's form too."""

    file = forms.FileField(
        label=_("Staff sheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        data = upload.read()
        try:
            upload_check(upload.name, data)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.cleaned_data["data"] = data
        return upload


class StaffUploadForm(SheetUploadForm):
    full_sync = forms.BooleanField(
        label=_("Full sync: deactivate staff of these branches who are missing from the file"),
        required=False,
    )


class StaffConfirmForm(forms.Form):
    initial_password = forms.CharField(
        label=_("Initial password for the new staff"),
        help_text=_(
            "New staff log in with their employee number and this password; tell it to them "
            "and ask them to change it. Existing staff keep their passwords."
        ),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        strip=False,
    )

    def __init__(self, *args, needs_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_password = needs_password
        self.fields["initial_password"].required = needs_password
        if not needs_password:
            del self.fields["initial_password"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_initial_password(self):
        password = self.cleaned_data.get("initial_password", "")
        if password:
            password_validation.validate_password(password)
        return password
