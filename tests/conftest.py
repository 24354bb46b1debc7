"""Fixed personas, as in healthchecks' alice/bob/charlie.

Branch 一 has area 甲 with regions 东 (our AM, a peer and their RM) and 西 (an
outsider and another RM). Branch 二 is someone else's company entirely.
"""

import importlib
import os
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Role, User
from tests import factories as f

# pytest-django's live_server runs in a thread while Playwright's sync API runs an
# event loop in this one; Django's async-safety check would refuse every query.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Data migrations seed rows (the default metrics) that a transactional test's flush
# deletes. xdist does not keep pytest-django's "transactional tests last" order, so any
# test may follow a flush in its worker; each one that uses the database puts the rows
# back at setup (inside its own transaction, when it has one), so every test starts from
# a freshly migrated database whatever ran before it.
SEED_MIGRATIONS = [
    "activity.migrations.0002_default_metrics",
    "activity.migrations.0013_metric_daily_ceiling",
]
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    if (marker and marker.kwargs.get("transaction")) or TRANSACTIONAL_FIXTURES & fixtures:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in fixtures:
        request.getfixturevalue("db")
    else:
        return
    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@dataclass
class Org:
    branch: object
    area: object
    region: object
    other_region: object
    other_branch: object
    foreign_region: object
    am: User
    peer_am: User
    outsider_am: User
    rm: User
    other_rm: User
    area_manager: User
    branch_head: User
    other_branch_head: User
    foreign_am: User
    admin: User
    deactivated: User


@pytest.fixture
def org(db) -> Org:
    branch_head = f.UserFactory(role=Role.BRANCH_HEAD, name="分公司负责人")
    branch = f.BranchFactory(head=branch_head)
    area_manager = f.UserFactory(role=Role.AREA_MANAGER, name="片区经理")
    area = f.AreaFactory(branch=branch, manager=area_manager)
    rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="区域经理东")
    region = f.RegionFactory(branch=branch, area=area, manager=rm, name="东")
    other_rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="区域经理西")
    other_region = f.RegionFactory(branch=branch, area=area, manager=other_rm, name="西")

    other_branch_head = f.UserFactory(role=Role.BRANCH_HEAD, name="别家负责人")
    other_branch = f.BranchFactory(head=other_branch_head)
    foreign_region = f.RegionFactory(branch=other_branch, manager=other_branch_head, name="直属")

    return Org(
        branch=branch,
        area=area,
        region=region,
        other_region=other_region,
        other_branch=other_branch,
        foreign_region=foreign_region,
        am=f.member(region, name="张三"),
        peer_am=f.member(region, name="李四"),
        outsider_am=f.member(other_region, name="王五"),
        rm=rm,
        other_rm=other_rm,
        area_manager=area_manager,
        branch_head=branch_head,
        other_branch_head=other_branch_head,
        foreign_am=f.member(foreign_region, name="赵六"),
        admin=f.UserFactory(role=Role.ADMIN, name="管理员", is_staff=True, is_superuser=True),
        deactivated=f.member(region, name="离职者", is_active=False),
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user."""

    def login(user: User):
        client.force_login(user)
        return client

    return login
