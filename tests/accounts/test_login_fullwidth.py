"""An employee number typed with a Chinese input method's full-width digits (０００２)
logs in, as the staff import reads it."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.forms import normalise_username
from tests.factories import PASSWORD


def test_full_width_digits_and_spaces_are_the_ascii_number():
    assert normalise_username("　０００２ ") == "0002"
    # Pasted from WeChat or a phone's contacts: a zero-width space, direction marks.
    assert normalise_username("\u202a0002\u200b\u202c") == "0002"


@pytest.mark.django_db
def test_login_with_full_width_digits(client, org):
    org.am.employee_no = "0002"
    org.am.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": "０００２", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert client.session["_auth_user_id"] == str(org.am.pk)


@pytest.mark.django_db
def test_admin_login_with_full_width_digits(client, org):
    org.admin.employee_no = "0001"
    org.admin.save()
    response = client.post(
        reverse("admin:login"), {"username": "０００１", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(org.admin.pk)


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_failures_typed_both_ways_count_as_one_person_s(client, org):
    """The lockout counts the number as the form reads it: ０００２ twice and 0002 once
    are three failures of 0002, not two lists of fewer."""
    org.am.employee_no = "0002"
    org.am.save()
    url = reverse("accounts:login")
    for typed in ("０００２", "0002", "０００２"):
        client.post(url, {"username": typed, "password": "wrong"})
    response = client.post(url, {"username": "0002", "password": PASSWORD})
    assert response.status_code == 429
