"""Items handed down by an RM who has left (reorganisation QA).

The RM of 东 leaves mid-month and a new RM takes over the same day. The items she
handed down were nobody's to cancel, change or reopen, and the assignee's "done" went
to someone who can no longer log in. Now the assignee's line managers (the region's
RM, its area manager, the branch head) stand in; nobody else sees them.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Role
from activity.models import Notification, NotificationKind
from planning import selectors, services
from planning.models import ItemStatus, TrackedItem
from tests import factories as f

D = datetime.date
NOON_18_NOV = datetime.datetime(2026, 11, 18, 4, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOON_18_NOV, tick=False):
        yield


@pytest.fixture
def item(org):
    return TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="陪同拜访恒通物流", due_date=D(2026, 11, 27)
    )


@pytest.fixture
def new_rm(org, item):
    """The RM of 东 leaves today; 周新 takes the region over."""
    accounts_services.user_deactivate(user=org.rm)
    new_rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="周新")
    org.region.manager = new_rm
    org.region.save(update_fields=["manager"])
    return new_rm


def _detail(item):
    return reverse("planning:item_detail", kwargs={"pk": item.pk})


def test_the_new_rm_finds_them_on_the_items_page(client_for, org, item, new_rm):
    page = client_for(new_rm).get(reverse("planning:items"))
    assert page.status_code == 200
    assert list(page.context["left_behind"]) == [item]
    assert "转由您跟进的事项" in page.content.decode()
    assert client_for(new_rm).get(_detail(item)).status_code == 200


def test_the_new_rm_may_change_and_cancel_them(client_for, org, item, new_rm):
    assert selectors.can_edit_item(new_rm, item)
    assert ItemStatus.CANCELLED in dict(services.item_status_choices(new_rm, item))
    services.tracked_item_edit(
        item=item, actor=new_rm, title="陪同拜访恒通物流", details="", due_date=D(2026, 11, 30)
    )
    response = client_for(new_rm).post(
        _detail(item), {"status": ItemStatus.CANCELLED, "note": "客户已转给别的区域"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.due_date) == (ItemStatus.CANCELLED, D(2026, 11, 30))


def test_the_branch_head_may_too(org, item, new_rm):
    assert selectors.can_edit_item(org.branch_head, item)
    services.tracked_item_update(item=item, actor=org.branch_head, status="cancelled", note="")
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED


def test_the_assignees_done_goes_to_the_new_rm(org, item, new_rm):
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已陪同拜访")
    told = Notification.objects.filter(kind=NotificationKind.ITEM_STATUS_CHANGED)
    assert [n.recipient for n in told] == [new_rm]
    # And the new RM may reopen it, as the assigner could.
    services.tracked_item_update(item=item, actor=new_rm, status="open", note="还要再跟")
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_nobody_else_sees_or_manages_them(client_for, org, item, new_rm):
    for outsider in (org.other_rm, org.peer_am, org.outsider_am, org.other_branch_head):
        assert not selectors.items_visible_to(outsider).filter(pk=item.pk).exists()
        assert client_for(outsider).get(_detail(item)).status_code == 404
    # The assignee still may not cancel it.
    with pytest.raises(PermissionDenied):
        services.tracked_item_update(item=item, actor=org.am, status="cancelled", note="")


def test_an_assigner_still_over_the_assignee_keeps_them(org, item):
    """The old RM was promoted to area manager of 甲: she still manages 东's people, so
    the item stays hers. (Moved away from them, it passes on: test_items_of_a_moved_manager.)"""
    other = f.UserFactory(role=Role.REGIONAL_MANAGER, name="周新")
    org.region.manager = other
    org.region.save(update_fields=["manager"])
    org.area.manager = org.rm
    org.area.save(update_fields=["manager"])
    assert not selectors.can_edit_item(other, item)
    assert not selectors.items_visible_to(other).filter(pk=item.pk).exists()
    assert selectors.can_edit_item(org.rm, item)


def test_an_item_that_moved_with_its_assignee_follows_her(org, item, new_rm):
    """She moves to 西 after her RM left: 西's RM stands in, 东's does not any more."""
    accounts_services.membership_move(
        user=org.am, region=org.other_region, start_date=D(2026, 11, 18)
    )
    assert selectors.can_edit_item(org.other_rm, item)
    assert not selectors.can_edit_item(new_rm, item)


def test_an_item_to_someone_who_left_says_so_where_its_assigner_meets_it(client_for, org):
    """QA: an AM left with an overdue item; her RM's home, items page and the item itself
    still listed it under her name as if she would do it. Each now says she has left, and
    the item says what to do about it."""
    gone = TrackedItem.objects.create(
        assignee=org.deactivated, assigner=org.rm, title="交接客户", due_date=D(2026, 11, 17)
    )
    TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="陪同拜访", due_date=D(2026, 11, 16)
    )
    client = client_for(org.rm)
    for url in (reverse("activity:queue"), reverse("planning:items")):
        page = client.get(url).content.decode()
        assert "交接客户" in page and "陪同拜访" in page
        assert page.count('data-testid="left-mark"') == 1, url
    detail = client.get(_detail(gone)).content.decode()
    assert 'data-testid="left-mark"' in detail and 'data-testid="assignee-left"' in detail
    assert org.deactivated.name in detail
    # Once cancelled, nothing is left to do about it.
    services.tracked_item_update(item=gone, actor=org.rm, status="cancelled", note="")
    detail = client.get(_detail(gone)).content.decode()
    assert 'data-testid="assignee-left"' not in detail
    assert (
        'data-testid="left-mark"'
        not in client.get(_detail(TrackedItem.objects.get(title="陪同拜访"))).content.decode()
    )
