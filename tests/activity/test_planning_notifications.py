"""The bell carries what happens in planning too: an item handed down or closed, a
weekly review's coaching note. Each opens its object, for its recipient only."""

import datetime

import time_machine
from django.urls import reverse

from activity.models import Notification, NotificationKind
from planning import services
from planning.models import TrackedItem, WeeklyReview

# Friday 20 November 2026, noon in Shanghai.
NOON_20_NOV = datetime.datetime(2026, 11, 20, 4, 0, tzinfo=datetime.UTC)


def _open(client, notice):
    return client.post(reverse("activity:notification_read", kwargs={"pk": notice.pk}))


@time_machine.travel(NOON_20_NOV, tick=False)
def test_an_item_notice_opens_the_item_for_its_recipient_only(org, client_for):
    (item,) = services.tracked_items_create(
        assigner=org.rm,
        assignees=[org.am],
        title="整理续保名单",
        details="",
        due_date=datetime.date(2026, 11, 27),
        is_key=False,
    )
    notice = Notification.objects.get(kind=NotificationKind.ITEM_ASSIGNED)
    assert notice.recipient == org.am
    assert _open(client_for(org.peer_am), notice).status_code == 404
    response = _open(client_for(org.am), notice)
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:item_detail", kwargs={"pk": item.pk})
    notice.refresh_from_db()
    assert notice.read_at is not None

    services.tracked_item_update(item=item, actor=org.am, status="done", note="名单已交")
    closed = Notification.objects.get(kind=NotificationKind.ITEM_STATUS_CHANGED)
    assert closed.recipient == org.rm
    assert TrackedItem.objects.get().status == "done"
    page = client_for(org.rm).get(reverse("activity:notifications"))
    assert [n.kind for n in page.context["notifications"]] == [NotificationKind.ITEM_STATUS_CHANGED]
    assert "名单已交" in page.content.decode()


@time_machine.travel(NOON_20_NOV, tick=False)
def test_a_coaching_note_notice_opens_the_review(org, client_for):
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=datetime.date(2026, 11, 16),
        status="submitted",
    )
    services.weekly_review_review(review=review, actor=org.rm, coaching_note="先约车队客户")
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind) == (org.am, NotificationKind.WEEKLY_REVIEWED)
    response = _open(client_for(org.am), notice)
    assert response["Location"] == reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    assert not Notification.objects.filter(recipient=org.rm).exists()


@time_machine.travel(NOON_20_NOV, tick=False)
def test_the_am_is_told_their_goal_sheet_was_agreed_and_what_changed(org, client_for):
    """QA: the RM raised 拜访 from 138 to 150 and agreed the sheet; the AM's bell said
    nothing, though weekly reviews and sign-offs do notify."""
    from activity.models import Metric

    visits, closings = Metric.objects.get(code="visits"), Metric.objects.get(code="closings")
    sheet = services.monthly_sheet_save(
        author=org.am,
        month=datetime.date(2026, 11, 1),
        proposed={visits.pk: 138, closings.pk: 10},
        focus_items="",
        submit=True,
    )
    services.monthly_sheet_agree(
        sheet=sheet,
        actor=org.rm,
        agreed={visits.pk: 150, closings.pk: 10},
        comment="拜访调高到150，月初开门红",
    )
    notice = Notification.objects.get(kind=NotificationKind.MONTHLY_AGREED)
    assert notice.recipient == org.am and "2026-11" in notice.title
    assert notice.body == "拜访 138 → 150\n拜访调高到150，月初开门红"
    response = _open(client_for(org.am), notice)
    assert response["Location"] == reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
