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


def test_a_new_branchs_head_is_not_told_she_heads_nothing_the_day_before(client_for, org):
    """← 前一天 on the import day showed the day before the regions were set up, saying
    您还不是任何分公司的负责人 (and 您还没有负责的片区 to the area manager)."""
    import datetime

    import time_machine

    from accounts.models import Region

    Region.objects.update(created_on=datetime.date(2026, 12, 2))
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        for person in (org.branch_head, org.area_manager):
            client = client_for(person)
            today = client.get(reverse("accounts:home"))
            assert today.context["previous_day"] is None
            assert "前一天" not in today.content.decode()
            before = client.get(reverse("accounts:home") + "?day=2026-12-01").content.decode()
            assert "请联系管理员" not in before
