"""People the admin created (or imported) but has not placed in the org chart yet: a
regional manager of no region, an area manager of no area, a branch head of no branch,
an AM in no region. On a fresh install (no branch, no region, only the seeded metrics)
every page answers them, and the pages that would list their people say what is
missing and whom to ask."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from planning import periods
from tests import factories as f

ROLES = [Role.ACCOUNT_MANAGER, Role.REGIONAL_MANAGER, Role.AREA_MANAGER, Role.BRANCH_HEAD]


def _pages(user):
    today = timezone.localdate()
    return [
        reverse("accounts:home"),
        reverse("accounts:password_change"),
        reverse("activity:today"),
        reverse("activity:log_edit", kwargs={"day": today}),
        reverse("activity:my_logs"),
        reverse("activity:queue"),
        reverse("activity:prospect_list"),
        reverse("activity:prospect_create"),
        reverse("activity:notifications"),
        reverse("planning:index"),
        reverse("planning:member", kwargs={"user_id": user.pk}),
        reverse("planning:monthly_edit", kwargs={"month": periods.month_start(today)}),
        reverse("planning:weekly_edit", kwargs={"week": periods.week_start(today)}),
        reverse("planning:items"),
        reverse("planning:item_create"),
        reverse("reports:summary"),
        reverse("reports:summary_export"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_someone_not_placed_yet(client, db, role):
    user = f.UserFactory(role=role)
    client.force_login(user)
    answers = {url: client.get(url).status_code for url in _pages(user)}
    assert set(answers.values()) <= {200, 302, 403, 404}, answers


@pytest.mark.parametrize(
    ("role", "says"),
    [
        (Role.REGIONAL_MANAGER, "不是任何区域的区域经理"),
        (Role.AREA_MANAGER, "没有负责的片区"),
        (Role.BRANCH_HEAD, "不是任何分公司的负责人"),
    ],
)
def test_a_manager_not_placed_yet_is_told_so_and_whom_to_ask(client, db, role, says):
    client.force_login(f.UserFactory(role=role))
    home = client.get(reverse("accounts:home"), follow=True)
    summary = client.get(reverse("reports:summary"))
    for response in (home, summary):
        text = response.content.decode()
        assert says in text and "请联系管理员" in text, text
    assert summary.status_code == 403


def test_an_am_still_hears_the_queue_and_the_summary_are_for_managers(client, db):
    client.force_login(f.UserFactory(role=Role.ACCOUNT_MANAGER))
    assert "仅供区域经理" in client.get(reverse("activity:queue")).content.decode()
    assert "仅供管理人员" in client.get(reverse("reports:summary")).content.decode()
