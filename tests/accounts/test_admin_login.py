"""The Django admin's own login form, as the security scan found it.

Django's AdminAuthenticationForm passes a username of any length to authenticate();
django-axes then records the failure in a 255-character column, which PostgreSQL refuses:
a 500 for anyone who posts a long username to /admin/login/."""

from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse


@override_settings(AXES_ENABLED=True)
def test_admin_login_refuses_an_overlong_username_without_an_error(client, org):
    response = client.post(reverse("admin:login"), {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 200  # the form again, not a server error
    assert response.context["form"].errors["username"]  # too long: never authenticated
    assert not AccessAttempt.objects.exists()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_admin_login_is_throttled_like_the_main_login(client, org):
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": org.admin.employee_no, "password": "no"})
    response = client.post(
        reverse("admin:login"),
        {"username": org.admin.employee_no, "password": "still-no"},
    )
    assert response.status_code == 429
