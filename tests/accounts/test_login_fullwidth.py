"""An employee number typed with a Chinese input method's full-width digits (０００２)
logs in, as the staff import reads it."""

import pytest
from django.urls import reverse

from accounts.forms import normalise_username
from tests.factories import PASSWORD


def test_full_width_digits_and_spaces_are_the_ascii_number():
    assert normalise_username("　０００２ ") == "0002"


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
