"""The configuration site for staff who are not superusers (an HR clerk given the right
to maintain people): they keep people's records, but hand out no access and take over
no one who holds more than they do."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Role, User
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data


@pytest.fixture
def clerk(db):
    clerk = f.UserFactory(role=Role.ACCOUNT_MANAGER, is_staff=True, name="人事专员")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts",
            codename__in=["view_user", "change_user", "delete_user"],
        )
    )
    return clerk


def test_a_staff_member_keeps_records_but_cannot_make_herself_superuser(client, clerk):
    client.force_login(clerk)
    url = reverse("admin:accounts_user_change", args=[clerk.pk])
    data = change_form_data(client.get(url))
    assert not {"is_staff", "is_superuser", "groups"} & set(data)  # shown, not a field
    data.update(name="人事专员改", is_superuser="on", is_staff="on", role=Role.ADMIN)
    response = client.post(url, data)
    assert response.status_code == 200  # 管理员 is not a choice for her
    assert "role" in response.context["adminform"].form.errors
    data["role"] = Role.ACCOUNT_MANAGER
    assert client.post(url, data).status_code == 302
    clerk.refresh_from_db()
    assert clerk.name == "人事专员改"
    assert (clerk.is_superuser, clerk.role) == (False, Role.ACCOUNT_MANAGER)


def test_a_staff_member_cannot_make_someone_else_an_admin(client, clerk, org):
    client.force_login(clerk)
    url = reverse("admin:accounts_user_change", args=[org.rm.pk])
    data = change_form_data(client.get(url))
    data.update(role=Role.ADMIN, is_superuser="on")
    assert client.post(url, data).status_code == 200
    org.rm.refresh_from_db()
    assert (org.rm.role, org.rm.is_superuser) == (Role.REGIONAL_MANAGER, False)


@pytest.mark.parametrize("page", ["change", "password", "delete"])
def test_a_staff_member_cannot_take_over_an_admin(client, clerk, org, page):
    client.force_login(clerk)
    before = User.objects.filter(pk=org.admin.pk).values().get()
    if page == "change":
        url = reverse("admin:accounts_user_change", args=[org.admin.pk])
        # Read only: she sees the record, with no form to post.
        assert client.get(url).context["has_change_permission"] is False
        response = client.post(url, {"name": "x", "employee_no": "9", "role": Role.ADMIN})
        assert response.status_code == 403
    elif page == "delete":
        url = reverse("admin:accounts_user_delete", args=[org.admin.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
    else:
        url = f"/admin/accounts/user/{org.admin.pk}/password/"
        response = client.post(url, {"password1": "Zz9-taken-over", "password2": "Zz9-taken-over"})
        assert response.status_code == 403
    assert User.objects.filter(pk=org.admin.pk).values().get() == before


def test_a_superuser_still_hands_out_access(admin_client, org):
    url = reverse("admin:accounts_user_change", args=[org.rm.pk])
    data = change_form_data(admin_client.get(url))
    data.update(is_staff="on", role=Role.ADMIN)
    assert admin_client.post(url, data).status_code == 302
    org.rm.refresh_from_db()
    assert (org.rm.is_staff, org.rm.role) == (True, Role.ADMIN)


def test_the_list_action_deletes_no_admin_either(client, clerk, org):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [org.admin.pk, org.am.pk], "post": "yes"},
    )
    assert response.status_code in (200, 403)  # "you have no permission to delete 员工"
    assert User.objects.filter(pk__in=[org.admin.pk, org.am.pk]).count() == 2
