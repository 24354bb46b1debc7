"""Handed-down items (交办事项) are the assigner's to track to closure: who may close or
cancel them, with what note, who hears of it, and correcting title and due date."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activity.models import Notification, NotificationKind
from planning import services
from planning.models import ItemStatus, TrackedItem

D = datetime.date
# Friday 20 November 2026, noon in Shanghai.
NOON_20_NOV = datetime.datetime(2026, 11, 20, 4, 0, tzinfo=datetime.UTC)
TODAY = D(2026, 11, 20)


@pytest.fixture(autouse=True)
def friday():
    with time_machine.travel(NOON_20_NOV, tick=False):
        yield


@pytest.fixture
def item(org):
    """An item the RM of 东 handed down to our AM."""
    return TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="陪同拜访恒通物流", due_date=D(2026, 11, 27)
    )


def _detail(item):
    return reverse("planning:item_detail", kwargs={"pk": item.pk})


def _edit(item):
    return reverse("planning:item_edit", kwargs={"pk": item.pk})


def _notes(recipient, kind):
    return list(Notification.objects.filter(recipient=recipient, kind=kind))


# --- cancelling and closing ------------------------------------------------------------


def test_the_assignee_is_not_offered_cancel_and_cannot_post_it(org, client_for, item):
    client = client_for(org.am)
    page = client.get(_detail(item))
    offered = [value for value, _label in page.context["form"].fields["status"].choices]
    assert ItemStatus.CANCELLED not in offered
    response = client.post(_detail(item), {"status": "cancelled", "note": "客户不在"})
    assert response.status_code == 200 and "status" in response.context["form"].errors
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not Notification.objects.exists()


def test_the_service_refuses_a_cancel_by_the_assignee(org, item):
    with pytest.raises(PermissionDenied):
        services.tracked_item_update(item=item, actor=org.am, status="cancelled", note="不做了")
    assert TrackedItem.objects.get().status == ItemStatus.OPEN


def test_the_assigner_cancels_and_the_assignee_is_told(org, client_for, item):
    response = client_for(org.rm).post(_detail(item), {"status": "cancelled", "note": "客户已投保"})
    assert response.status_code == 302
    assert TrackedItem.objects.get().status == ItemStatus.CANCELLED
    (notice,) = _notes(org.am, NotificationKind.ITEM_STATUS_CHANGED)
    assert notice.url == _detail(item) and notice.body == "客户已投保"
    assert not Notification.objects.filter(recipient=org.rm).exists()


def test_an_assignee_keeps_a_cancelled_item_cancelled_when_adding_a_note(org, client_for, item):
    services.tracked_item_update(item=item, actor=org.rm, status="cancelled", note="不用去了")
    client = client_for(org.am)
    offered = [v for v, _l in client.get(_detail(item)).context["form"].fields["status"].choices]
    assert ItemStatus.CANCELLED in offered  # the current status, so a note does not reopen
    response = client.post(_detail(item), {"status": "cancelled", "note": "收到"})
    assert response.status_code == 302
    assert TrackedItem.objects.get().status == ItemStatus.CANCELLED


def test_the_assignee_closes_as_done_only_with_a_note(org, client_for, item):
    client = client_for(org.am)
    response = client.post(_detail(item), {"status": "done", "note": "  "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    assert TrackedItem.objects.get().status == ItemStatus.OPEN
    assert not Notification.objects.exists()

    response = client.post(
        _detail(item), {"status": "done", "note": "已陪同拜访，客户答应下周签单"}
    )
    assert response.status_code == 302
    assert TrackedItem.objects.get().status == ItemStatus.DONE


def test_the_assigner_hears_once_when_the_assignee_closes_the_item(org, client_for, item):
    client = client_for(org.am)
    data = {"status": "done", "note": "已陪同拜访"}
    assert client.post(_detail(item), data).status_code == 302
    # Posted again after the first finished: the status is already done, only a note.
    assert client.post(_detail(item), data).status_code == 302
    # Two posts racing: the second loaded the item while it was still open. The same
    # post is found done; another change is refused.
    stale = TrackedItem.objects.get(pk=item.pk)
    stale.status = ItemStatus.OPEN
    services.tracked_item_update(item=stale, actor=org.am, status="done", note="已陪同拜访")
    stale.status = ItemStatus.OPEN
    with pytest.raises(services.SheetTransitionError):
        services.tracked_item_update(item=stale, actor=org.am, status="in_progress", note="")
    assert item.notes.filter(author=org.am).count() == 1
    (notice,) = _notes(org.rm, NotificationKind.ITEM_STATUS_CHANGED)
    assert notice.url == _detail(item)
    assert notice.body == "已陪同拜访" and "陪同拜访恒通物流" in notice.title
    assert not Notification.objects.exclude(recipient=org.rm).exists()

    bell = client_for(org.rm).get(reverse("activity:notifications")).content.decode()
    assert "陪同拜访恒通物流" in bell
    assert (
        "陪同拜访恒通物流"
        not in client_for(org.peer_am).get(reverse("activity:notifications")).content.decode()
    )


def test_a_self_assigned_key_item_needs_no_note_and_tells_no_one(org):
    (own,) = services.tracked_items_create(
        assigner=org.am,
        assignees=[org.am],
        title="学习新条款",
        details="",
        due_date=TODAY,
        is_key=True,
    )
    services.tracked_item_update(item=own, actor=org.am, status="done", note="")
    services.tracked_item_update(item=own, actor=org.am, status="cancelled", note="")
    assert TrackedItem.objects.get().status == ItemStatus.CANCELLED
    assert not Notification.objects.exists()


# --- handing down ------------------------------------------------------------------


def _new_item(**extra):
    return {"title": "整理续保名单", "due_date": "2026-11-27"} | extra


def test_handing_down_notifies_each_assignee_but_not_the_assigner(org, client_for):
    data = _new_item(assignees=[org.am.pk, org.peer_am.pk, org.rm.pk], details="本周内")
    assert client_for(org.rm).post(reverse("planning:item_create"), data).status_code == 302
    notices = Notification.objects.filter(kind=NotificationKind.ITEM_ASSIGNED)
    assert sorted(n.recipient.name for n in notices) == ["张三", "李四"]
    for notice in notices:
        mine = TrackedItem.objects.get(assignee=notice.recipient)
        assert notice.url == _detail(mine)
        assert "整理续保名单" in notice.title and "2026-11-27" in notice.body
    assert not Notification.objects.filter(recipient=org.rm).exists()


def test_a_double_submit_hands_down_and_notifies_once(org, client_for):
    client = client_for(org.rm)
    data = _new_item(assignees=[org.am.pk])
    assert client.post(reverse("planning:item_create"), data).status_code == 302
    assert client.post(reverse("planning:item_create"), data).status_code == 302
    assert TrackedItem.objects.count() == 1
    assert len(_notes(org.am, NotificationKind.ITEM_ASSIGNED)) == 1


def test_a_long_title_still_fits_the_notification(org):
    services.tracked_items_create(
        assigner=org.rm,
        assignees=[org.am],
        title="长" * 200,
        details="",
        due_date=TODAY,
        is_key=False,
    )
    assert len(Notification.objects.get().title) <= 200


# --- due dates ---------------------------------------------------------------------


def test_a_due_date_before_today_is_refused_with_the_input_kept(org, client_for):
    data = _new_item(title="陪同拜访恒通物流决策人", due_date="2026-11-01", assignees=[org.am.pk])
    response = client_for(org.rm).post(reverse("planning:item_create"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["due_date"]
    html = response.content.decode()
    assert "陪同拜访恒通物流决策人" in html and 'value="2026-11-01"' in html
    assert not TrackedItem.objects.exists() and not Notification.objects.exists()


def test_today_is_a_valid_due_date(org, client_for):
    data = _new_item(due_date=TODAY.isoformat(), assignees=[org.am.pk])
    assert client_for(org.rm).post(reverse("planning:item_create"), data).status_code == 302


def test_the_service_refuses_a_past_due_date_too(org):
    with pytest.raises(ValidationError) as raised:
        services.tracked_items_create(
            assigner=org.rm,
            assignees=[org.am],
            title="补录",
            details="",
            due_date=TODAY - datetime.timedelta(days=1),
            is_key=False,
        )
    assert "due_date" in raised.value.message_dict


# --- correcting an item ------------------------------------------------------------


def test_the_assigner_corrects_title_details_and_due_date(org, client_for, item):
    client = client_for(org.rm)
    assert client.get(_detail(item)).context["can_edit"]
    page = client.get(_edit(item))
    assert page.status_code == 200 and page.context["form"]["title"].value() == "陪同拜访恒通物流"
    assert 'value="2026-11-27"' in page.content.decode()  # what a date input can show
    response = client.post(
        _edit(item),
        {"title": "陪同拜访恒通物流决策人", "details": "带上方案", "due_date": "2026-12-04"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.details, item.due_date) == (
        "陪同拜访恒通物流决策人",
        "带上方案",
        D(2026, 12, 4),
    )
    history = item.notes.get()
    assert (
        history.author == org.rm and "2026-11-27" in history.note and "2026-12-04" in history.note
    )
    # The assignee hears of it: the notice of the old title and date was stale.
    (told,) = _notes(org.am, NotificationKind.ITEM_CHANGED)
    assert "陪同拜访恒通物流决策人" in told.title and "2026-12-04" in told.body


def test_the_assignee_may_not_correct_the_item(org, client_for, item):
    client = client_for(org.am)
    assert not client.get(_detail(item)).context["can_edit"]
    assert client.get(_edit(item)).status_code == 403
    data = {"title": "改掉", "due_date": "2026-12-04"}
    assert client.post(_edit(item), data).status_code == 403
    assert TrackedItem.objects.get().title == "陪同拜访恒通物流"


def test_a_new_due_date_in_the_past_is_refused_but_an_overdue_one_may_stay(org, client_for):
    overdue = TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="陪同拜访", due_date=D(2026, 11, 1)
    )
    client = client_for(org.rm)
    response = client.post(_edit(overdue), {"title": "陪同拜访决策人", "due_date": "2026-11-10"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["due_date"]
    assert 'value="2026-11-10"' in response.content.decode()
    response = client.post(_edit(overdue), {"title": "陪同拜访决策人", "due_date": "2026-11-01"})
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.title, overdue.due_date) == ("陪同拜访决策人", D(2026, 11, 1))


def test_a_closed_item_is_not_corrected(org, client_for, item):
    services.tracked_item_update(item=item, actor=org.rm, status="cancelled", note="")
    client = client_for(org.rm)
    assert not client.get(_detail(item)).context["can_edit"]
    assert client.get(_edit(item)).status_code == 403
    with pytest.raises(ValidationError):
        services.tracked_item_edit(
            item=item, actor=org.rm, title="重开", details="", due_date=D(2026, 12, 4)
        )


def test_the_assignee_list_says_who_is_a_manager(org, client_for):
    html = client_for(org.area_manager).get(reverse("planning:item_create")).content.decode()
    assert f"{org.rm} · 区域经理" in html
    assert re.search(rf"{re.escape(str(org.am))}\s*</label>", html)  # an AM: no suffix
    assert re.search(r'<input type="checkbox"[^>]*name="assignees"', html)
    assert "按住 Ctrl" not in html and "可勾选一人或多人" in html


def test_items_of_two_ams_of_one_name_show_whose(org, client_for):
    from tests import factories as f

    twins = [f.member(org.region, name="王伟", employee_no=no) for no in ("1101", "1102")]
    for twin in twins:
        TrackedItem.objects.create(
            assignee=twin, assigner=org.rm, title="参加产品培训", due_date=D(2026, 11, 19)
        )
    for url in (reverse("planning:items"), reverse("activity:queue")):
        html = client_for(org.rm).get(url).content.decode()
        assert "王伟 1101" in html and "王伟 1102" in html, url


# --- reopening a closed item -------------------------------------------------------------


def test_the_assignee_cannot_reopen_an_item_the_assigner_cancelled(org, client_for, item):
    """QA: an AM re-opened an item their RM cancelled by posting status=open."""
    services.tracked_item_update(item=item, actor=org.rm, status="cancelled", note="不用去了")
    client = client_for(org.am)
    offered = [v for v, _l in client.get(_detail(item)).context["form"].fields["status"].choices]
    assert offered == [ItemStatus.CANCELLED]  # a note only
    for status in ("open", "in_progress", "done"):
        response = client.post(_detail(item), {"status": status, "note": "我还想去"})
        assert response.status_code == 200 and "status" in response.context["form"].errors
    assert TrackedItem.objects.get().status == ItemStatus.CANCELLED
    # The rule is the service's, not only the form's choices.
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.tracked_item_update(item=item, actor=org.am, status="open", note="我还想去")
    assert TrackedItem.objects.get().status == ItemStatus.CANCELLED


def test_a_done_item_is_reopened_only_by_whoever_handed_it_down(org, client_for, item):
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已陪同拜访")
    item.refresh_from_db()
    for status in ("open", "in_progress"):
        with pytest.raises(PermissionDenied):
            services.tracked_item_update(item=item, actor=org.am, status=status, note="")
    offered = [
        v
        for v, _l in client_for(org.am).get(_detail(item)).context["form"].fields["status"].choices
    ]
    assert offered == [ItemStatus.DONE]
    # The RM is not satisfied with the outcome: they reopen it, and the AM is told.
    response = client_for(org.rm).post(_detail(item), {"status": "open", "note": "客户还没签单"})
    assert response.status_code == 302
    assert TrackedItem.objects.get().status == ItemStatus.OPEN
    (notice,) = _notes(org.am, NotificationKind.ITEM_STATUS_CHANGED)
    assert notice.body == "客户还没签单"


def test_the_assigner_may_reopen_a_cancelled_item(org, item):
    services.tracked_item_update(item=item, actor=org.rm, status="cancelled", note="不用去了")
    item.refresh_from_db()
    services.tracked_item_update(item=item, actor=org.rm, status="in_progress", note="客户又约了")
    assert TrackedItem.objects.get().status == ItemStatus.IN_PROGRESS


def test_a_self_assigned_item_is_reopened_by_its_owner(org):
    (own,) = services.tracked_items_create(
        assigner=org.am,
        assignees=[org.am],
        title="学习新条款",
        details="",
        due_date=TODAY,
        is_key=True,
    )
    services.tracked_item_update(item=own, actor=org.am, status="done", note="")
    own.refresh_from_db()
    services.tracked_item_update(item=own, actor=org.am, status="open", note="还没学完")
    assert TrackedItem.objects.get().status == ItemStatus.OPEN


# --- the bell in the reader's language -------------------------------------------------


def test_item_notifications_read_in_english_for_a_reader_who_switched(org, client_for, settings):
    """QA: an AM who switched to English read every item notice in Chinese ("…给您交办了
    事项", "2026-11-27 截止", "截止日期：…"): cutting the title to the bell's length and
    adding the details dropped what the app wrote them from. The typed parts (title,
    details) stay as typed; a long title is still cut."""
    long_title = "跟进" * 100
    [item] = services.tracked_items_create(
        assigner=org.rm,
        assignees=[org.am],
        title="陪同拜访恒通物流",
        details="带上报价单",
        due_date=D(2026, 11, 27),
        is_key=False,
    )
    services.tracked_item_edit(
        item=item,
        actor=org.rm,
        title="陪同拜访恒通",
        details="带上报价单",
        due_date=D(2026, 11, 30),
    )
    services.tracked_items_create(
        assigner=org.rm,
        assignees=[org.am],
        title=long_title,
        details="",
        due_date=D(2026, 11, 27),
        is_key=False,
    )
    client = client_for(org.am)
    url = reverse("activity:notifications")
    chinese = client.get(url).content.decode()
    assert f"{org.rm.name}给您交办了事项：陪同拜访恒通物流" in chinese
    assert "2026-11-27 截止" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert f"{org.rm.name} handed you an item: 陪同拜访恒通物流" in english
    assert "Due 2026-11-27" in english and "带上报价单" in english
    assert f"{org.rm.name} changed “陪同拜访恒通”" in english
    assert "Title: 陪同拜访恒通物流 → 陪同拜访恒通" in english
    assert "Due date: 2026-11-27 → 2026-11-30" in english
    assert "给您交办了事项" not in english and "截止" not in english
    assert long_title not in english and f"{org.rm.name} handed you an item: 跟进跟进" in english
    # The status change the AM reports reaches the RM in English too.
    item.refresh_from_db()
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已拜访")
    rm = client_for(org.rm)
    rm.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert f"{org.am.name} set “陪同拜访恒通” to Done" in rm.get(url).content.decode()


# --- the same form posted twice ----------------------------------------------------------


def test_a_done_posted_twice_is_written_and_told_once(org, client_for, item):
    """QA: on a slow phone the AM's "done" went through but the page did not come back;
    tapping again (the form sends again after a while) wrote her note into the history a
    second time."""
    client = client_for(org.am)
    form = {"status": "done", "note": "已陪同拜访，签了统保"}
    first = client.post(_detail(item), form)
    second = client.post(_detail(item), form)
    assert first.status_code == second.status_code == 302
    assert item.notes.filter(author=org.am).count() == 1
    assert len(_notes(org.rm, NotificationKind.ITEM_STATUS_CHANGED)) == 1
    # A note of its own a minute later is written.
    with time_machine.travel(NOON_20_NOV + datetime.timedelta(minutes=2), tick=False):
        assert client.post(_detail(item), form).status_code == 302
    assert item.notes.filter(author=org.am).count() == 2


def test_a_twin_post_loaded_before_the_first_went_through_is_not_a_conflict(org, item):
    """Two posts of one form at once: the second, holding the item as it was, finds the
    first's change instead of telling the AM that someone changed the item meanwhile."""
    stale = TrackedItem.objects.get(pk=item.pk)
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已完成")
    again = services.tracked_item_update(item=stale, actor=org.am, status="done", note="已完成")
    assert again.status == ItemStatus.DONE
    assert item.notes.count() == 1
    assert len(_notes(org.rm, NotificationKind.ITEM_STATUS_CHANGED)) == 1


def test_a_cancel_without_a_note_posted_twice_asks_for_nothing(org, client_for, item):
    client = client_for(org.rm)
    client.post(_detail(item), {"status": "cancelled", "note": ""})
    second = client.post(_detail(item), {"status": "cancelled", "note": ""})
    assert second.status_code == 302
    assert item.notes.filter(to_status="cancelled").count() == 1
    assert len(_notes(org.am, NotificationKind.ITEM_STATUS_CHANGED)) == 1
    # A change in between (reopened) is not taken for the same post.
    item.refresh_from_db()
    services.tracked_item_update(item=item, actor=org.rm, status="open", note="")
    assert client.post(_detail(item), {"status": "cancelled", "note": ""}).status_code == 302
    assert item.notes.filter(to_status="cancelled").count() == 2


# --- follow-up notes ---------------------------------------------------------------------


def test_a_note_by_the_assignee_tells_the_assigner(org, client_for, item):
    """QA: the AM wrote "客户改到周四见" on the RM's item; the RM never heard of it. A note
    is news for the other side of the item, as a status change is."""
    response = client_for(org.am).post(_detail(item), {"status": "open", "note": "客户改到周四见"})
    assert response.status_code == 302
    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind) == (org.rm, NotificationKind.ITEM_NOTE)
    assert notice.title == "张三在“陪同拜访恒通物流”上写了跟进"
    assert notice.body == "客户改到周四见" and notice.url == _detail(item)


def test_a_note_by_the_assigner_tells_the_assignee_once_however_often_posted(org, client_for, item):
    client = client_for(org.rm)
    form = {"status": "open", "note": "周四上午我和你一起去"}
    assert client.post(_detail(item), form).status_code == 302
    assert client.post(_detail(item), form).status_code == 302  # a retry on a slow phone
    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind) == (org.am, NotificationKind.ITEM_NOTE)


def test_a_note_with_a_status_change_is_told_once_as_the_change(org, item):
    services.tracked_item_update(item=item, actor=org.am, status="done", note="已签统保")
    assert [n.kind for n in Notification.objects.all()] == [NotificationKind.ITEM_STATUS_CHANGED]


def test_a_note_on_ones_own_key_item_tells_nobody(org):
    own = TrackedItem.objects.create(
        assignee=org.am, assigner=org.am, is_key=True, title="整理名单", due_date=TODAY
    )
    services.tracked_item_update(item=own, actor=org.am, status="open", note="整理了一半")
    assert not Notification.objects.exists()
