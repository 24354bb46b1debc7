"""A password someone else chose (the import's shared one, an admin's reset) is replaced
by its owner before they do anything else; their own choice ends that."""

import pytest
from django.urls import reverse

from accounts.models import User
from activity.models import DailyLog
from tests.accounts.test_user_admin import change_form_data
from tests.factories import PASSWORD

NEW = "my own secret 2026"


@pytest.fixture
def newcomer(org):
    org.am.must_change_password = True
    org.am.save(update_fields=["must_change_password"])
    return org.am


def change_password(client, old=PASSWORD, new=NEW):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_factory_staff_keep_their_password(org, client_for):
    assert not User.objects.filter(must_change_password=True).exists()
    assert client_for(org.am).get(reverse("activity:my_logs")).status_code == 200


def test_every_page_sends_them_to_the_password_page_with_the_reason(newcomer, client_for):
    client = client_for(newcomer)
    for url in ("/", reverse("activity:my_logs"), reverse("planning:index"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    assert any("administrator" in str(m) or "管理员" in str(m) for m in page.context["messages"])


def test_a_post_is_sent_there_too_and_saves_nothing(newcomer, client_for, today):
    client = client_for(newcomer)
    response = client.post(reverse("activity:log_edit", args=[today]), {"save": "1"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change")
    assert not DailyLog.objects.exists()


def test_logout_language_switch_health_and_static_stay_open(newcomer, client_for):
    client = client_for(newcomer)
    assert client.get("/healthz").status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/password/"})
    assert response.url == "/password/"
    assert client.get("/static/js/footwork.js").status_code != 302
    assert client.post(reverse("accounts:logout")).url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_changing_the_password_ends_the_detour(newcomer, client_for):
    client = client_for(newcomer)
    response = change_password(client)
    # On to their work, not to a page that only says it is done.
    assert response.url == reverse("accounts:home")
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password and newcomer.check_password(NEW)
    assert client.get(reverse("activity:my_logs")).status_code == 200


def test_a_later_change_by_choice_ends_on_the_done_page(org, client_for):
    response = change_password(client_for(org.am))
    assert response.url == reverse("accounts:password_change_done")


def test_a_weak_new_password_keeps_them_there_with_chinese_reasons(newcomer, client_for):
    response = change_password(client_for(newcomer), new="123")
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert "密码太短，至少需要 8 个字符。" in errors
    newcomer.refresh_from_db()
    assert newcomer.must_change_password


def test_the_login_page_says_whom_to_ask_for_a_forgotten_password(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="forgot-password"' in html


class TestAdminSetsPasswords:
    def test_a_password_set_for_someone_must_be_changed(self, admin_client, org):
        url = reverse("admin:auth_user_password_change", args=[org.am.pk])
        response = admin_client.post(url, {"password1": NEW, "password2": NEW})
        assert response.status_code == 302
        org.am.refresh_from_db()
        assert org.am.check_password(NEW) and org.am.must_change_password

    def test_their_own_password_does_not(self, client_for, org):
        client = client_for(org.admin)
        url = reverse("admin:auth_user_password_change", args=[org.admin.pk])
        assert client.post(url, {"password1": NEW, "password2": NEW}).status_code == 302
        org.admin.refresh_from_db()
        assert org.admin.check_password(NEW) and not org.admin.must_change_password
        assert client.get(reverse("admin:index")).status_code == 200

    def test_someone_added_with_a_password_must_change_it(self, admin_client, org):
        response = admin_client.post(
            reverse("admin:accounts_user_add"),
            {
                "employee_no": "N001",
                "name": "新人",
                "role": "am",
                "password1": NEW,
                "password2": NEW,
                "usable_password": "true",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert User.objects.get(employee_no="N001").must_change_password

    def test_the_admin_shows_and_clears_the_flag(self, admin_client, newcomer):
        url = reverse("admin:accounts_user_change", args=[newcomer.pk])
        data = change_form_data(admin_client.get(url))
        assert data["must_change_password"] == "on"
        data.pop("must_change_password")
        assert admin_client.post(url, data).status_code == 302
        newcomer.refresh_from_db()
        assert not newcomer.must_change_password
