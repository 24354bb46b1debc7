"""An installation's first page: only the superuser exists."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_first_admins_home_says_where_regions_come_from(client):
    """It said only 没有可显示的区域。 to someone who had just run createsuperuser."""
    admin = f.UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get(reverse("accounts:home")).content.decode()
    assert 'data-testid="set-up-first"' in html
    assert f'href="{reverse("accounts:staff_import")}" data-testid="set-up-first"' in html
    assert "员工导入" in html


def test_regions_set_up_the_hint_goes(client, org):
    client.force_login(org.admin)
    assert 'data-testid="set-up-first"' not in client.get(reverse("accounts:home")).content.decode()
