"""Items handed down by an RM who moved to another region and stays (reorganisation QA).

东's RM takes over 西 (or a region of another branch); 周新 takes over 东. The items she
handed down to 东's people are tracked to closure by whoever manages them now: 东's
manager chain, as for an assigner who left. She still reads them, but no longer
changes, cancels or reopens them, hears of them or is told they are overdue.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import regions_line_managed_by
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
        assignee=org.am, assigner=org.rm, title="陪同拜访恒通物流", due_date=D(2026, 11, 17)
    )


def _take_over(region, manager):
    region.manager = manager
    region.save(update_fields=["manager"])


@pytest.fixture
def moved(org, item):
    """东's RM takes over 西 (its RM retires from it); 周新 takes over 东."""
    new_rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="周新")
    _take_over(org.other_region, org.rm)
    _take_over(org.region, new_rm)
    return new_rm


def _detail(item):
    return reverse("planning:item_detail", kwargs={"pk": item.pk})


def test_the_new_rm_manages_them(client_for, org, item, moved):
    assert selectors.can_edit_item(moved, item)
    page = client_for(moved).get(reverse("planning:items"))
    assert list(page.context["left_behind"]) == [item]
    assert "转由您跟进的事项" in page.content.decode()
    response = client_for(moved).post(
        _detail(item), {"status": ItemStatus.CANCELLED, "note": "客户已转给别的区域"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED


def test_the_area_manager_and_branch_head_stand_in_too(org, item, moved):
    assert selectors.can_edit_item(org.area_manager, item)
    assert selectors.can_edit_item(org.branch_head, item)


def test_the_old_rm_reads_them_but_no_longer_manages_them(client_for, org, item, moved):
    assert not selectors.can_edit_item(org.rm, item)
    page = client_for(org.rm).get(_detail(item))
    assert page.status_code == 200
    assert not page.context["can_edit"]
    with pytest.raises(PermissionDenied):
        services.tracked_item_update(item=item, actor=org.rm, status="cancelled", note="")
    assert (
        client_for(org.rm).get(reverse("planning:item_edit", kwargs={"pk": item.pk})).status_code
        == 403
    )
    # Nor are they hers on her items page or among her overdue items.
    assert list(client_for(org.rm).get(reverse("planning:items")).context["handed_down"]) == []
    assert selectors.overdue_items(org.rm) == []
    assert selectors.overdue_items(moved) == [item]


def test_the_assignees_done_goes_to_the_new_rm(org, item, moved):
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已陪同拜访")
    told = Notification.objects.filter(kind=NotificationKind.ITEM_STATUS_CHANGED)
    assert [n.recipient for n in told] == [moved]


def test_a_move_to_another_branch_passes_them_on_too(org, item):
    new_rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="周新")
    foreign = f.RegionFactory(branch=org.other_branch, manager=org.rm, name="南")
    assert foreign.manager == org.rm
    _take_over(org.region, new_rm)
    assert selectors.can_edit_item(new_rm, item)
    assert not selectors.can_edit_item(org.rm, item)
    assert not selectors.items_visible_to(org.foreign_am).filter(pk=item.pk).exists()


def test_her_items_in_the_regions_she_still_manages_stay_hers(org, item, moved):
    """She manages 西 now: what she hands down there, and to herself, is hers."""
    west = TrackedItem.objects.create(
        assignee=org.outsider_am, assigner=org.rm, title="培训", due_date=D(2026, 11, 27)
    )
    own = TrackedItem.objects.create(
        assignee=org.rm, assigner=org.rm, title="重点客户", due_date=D(2026, 11, 27), is_key=True
    )
    assert selectors.can_edit_item(org.rm, west) and selectors.can_edit_item(org.rm, own)
    assert not selectors.can_edit_item(org.other_rm, west)
    assert list(selectors.items_left_behind(org.rm)) == []


def test_an_item_to_someone_who_left_stays_with_its_assigner(org, item, moved):
    gone = TrackedItem.objects.create(
        assignee=org.deactivated, assigner=org.rm, title="交接客户", due_date=D(2026, 11, 27)
    )
    # Nobody manages a leaver: the one who handed it down may still close it.
    assert selectors.can_edit_item(org.rm, gone)


def test_someone_who_manages_no_region_is_reminded_of_what_she_still_tracks(org, item):
    """overdue_items takes a short way for an AM who manages no region (every AM's home
    page): it must agree with the general rule (`_managed_q`). 东's RM steps down to
    account manager: what she handed to 张三 passed on; an item to a leaver, one to
    herself and one handed to her stay hers."""
    org.region.manager = None
    org.region.save(update_fields=["manager"])
    org.rm.role = Role.ACCOUNT_MANAGER
    org.rm.save(update_fields=["role"])
    leaver = f.UserFactory(name="离职者", is_active=False)
    due = D(2026, 11, 17)
    to_leaver = TrackedItem.objects.create(
        assignee=leaver, assigner=org.rm, title="交接客户资料", due_date=due
    )
    own = TrackedItem.objects.create(
        assignee=org.rm, assigner=org.rm, title="整理名单", due_date=due
    )
    handed_to_her = TrackedItem.objects.create(
        assignee=org.rm, assigner=org.branch_head, title="写总结", due_date=due
    )
    assert not regions_line_managed_by(org.rm).exists()
    general = set(
        TrackedItem.objects.filter(
            Q(assignee=org.rm) | selectors._managed_q(org.rm),
            due_date__lt=D(2026, 11, 18),
        )
    )
    shown = set(selectors.overdue_items(org.rm))
    assert shown == general == {to_leaver, own, handed_to_her}
    assert item not in shown
    # An AM's own: handed to her, and handed down by her to herself.
    mine = TrackedItem.objects.create(assignee=org.am, assigner=org.am, title="回访", due_date=due)
    assert set(selectors.overdue_items(org.am)) == {item, mine}


def test_the_stand_in_opening_her_bell_after_it_passed_back_is_told_so_not_404(
    client_for, org, item, moved
):
    """QA: 周新 heard of the AM's progress; then 东 went back to its RM, and the link in
    周新's bell led to a 404. She is now sent to her items page and told why."""
    services.tracked_item_update(item=item, actor=org.am, status="in_progress", note="已约客户")
    (notice,) = Notification.objects.filter(recipient=moved)
    _take_over(org.region, org.rm)
    client = client_for(moved)
    read = client.post(reverse("activity:notification_read", kwargs={"pk": notice.pk}))
    assert read.url == notice.url
    page = client.get(notice.url, follow=True)
    assert page.redirect_chain == [(reverse("planning:items"), 302)]
    (message,) = page.context["messages"]
    assert "no longer yours to follow" in message.message or "不再由您跟进" in message.message
    assert message.message in page.content.decode()
    # Someone never told of it still finds nothing there.
    assert client_for(org.peer_am).get(notice.url).status_code == 404
