"""A new password must differ from the current one: the shared initial password kept
as one's "own" is still known to the admin and everyone else imported with it."""

import pytest
from django.urls import reverse

from accounts import services
from tests.factories import PASSWORD

INITIAL = "Hz-welcome-2026"


def change_password(client, old, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.fixture
def imported(org):
    # As the staff import leaves them: the shared initial password, to be replaced.
    return services.user_password_set(user=org.am, password=INITIAL, chosen_by_owner=False)


def test_it_refuses_the_initial_password_as_the_new_one(imported, client_for):
    response = change_password(client_for(imported), old=INITIAL, new=INITIAL)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["new_password1"]] == ["password_unchanged"]
    imported.refresh_from_db()
    assert imported.must_change_password and imported.check_password(INITIAL)
    # Still sent back to the password page.
    assert client_for(imported).get(reverse("accounts:home")).url == reverse(
        "accounts:password_change"
    )


def test_it_refuses_the_same_password_on_a_later_change_too(org, client_for):
    response = change_password(client_for(org.am), old=PASSWORD, new=PASSWORD)
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors


def test_a_different_password_is_still_taken(imported, client_for):
    response = change_password(client_for(imported), old=INITIAL, new="my own secret 2026")
    assert response.url == reverse("accounts:home")
    imported.refresh_from_db()
    assert not imported.must_change_password


def test_the_password_page_says_您_throughout(client_for, org):
    """QA: the page said 您, Django's help under it 你."""
    from django.urls import reverse

    html = client_for(org.am).get(reverse("accounts:password_change")).content.decode()
    assert "您的密码至少要有" in html and "你" not in html
