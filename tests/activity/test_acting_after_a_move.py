"""A manager acting on a log, sheet or review from a page opened before its author moved
to another region: the move files them under the new region, whose RM acts on them now.
The old RM's post is refused and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as org_services
from activity.models import LogStatus
from planning.models import ReviewStatus, WeeklyReview
from tests import factories as f

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def moved(org):
    """张三 handed in yesterday's and today's logs in 东; then moved to 西 from yesterday."""
    logs = {
        YESTERDAY: f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=YESTERDAY,
            status=LogStatus.SIGNED_OFF,
            signed_off_by=org.rm,
        ),
        TODAY: f.DailyLogFactory(
            author=org.am, region=org.region, date=TODAY, status=LogStatus.SUBMITTED
        ),
    }
    org_services.membership_move(user=org.am, region=org.other_region, start_date=YESTERDAY)
    return logs


def _row(log):
    return type(log).objects.filter(pk=log.pk).values().get()


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("activity:log_sign_off", {"comment": "好"}),
        ("activity:log_return", {"reason": "请补充"}),
    ],
)
def test_the_old_rm_can_no_longer_act_on_a_waiting_log(client_for, org, moved, url_name, data):
    log = moved[TODAY]
    before = _row(log)
    response = client_for(org.rm).post(reverse(url_name, args=[log.pk]), data)
    assert response.status_code == 404
    assert _row(log) == before
    # Her new region's RM signs it.
    response = client_for(org.other_rm).post(
        reverse("activity:log_sign_off", args=[log.pk]), {"comment": "好"}
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.status, log.signed_off_by) == (LogStatus.SIGNED_OFF, org.other_rm)


def test_the_old_rm_reads_the_log_she_signed_but_cannot_reopen_it(client_for, org, moved):
    log = moved[YESTERDAY]
    client = client_for(org.rm)
    assert client.get(reverse("activity:log_detail", args=[log.pk])).status_code == 200
    before = _row(log)
    response = client.post(reverse("activity:log_reopen", args=[log.pk]), {"reason": "数字有误"})
    assert response.status_code == 403
    assert _row(log) == before


def test_the_old_rm_can_no_longer_review_a_waiting_weekly_review(client_for, org, moved):
    week = TODAY - datetime.timedelta(days=TODAY.weekday())
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=week, status=ReviewStatus.SUBMITTED
    )
    org_services.memberships_saved(
        user=org.am, memberships=list(org.am.memberships.filter(end_date__isnull=True))
    )
    review.refresh_from_db()
    before = WeeklyReview.objects.filter(pk=review.pk).values().get()
    response = client_for(org.rm).post(
        reverse("planning:weekly_review", args=[review.pk]), {"coaching_note": "多拜访"}
    )
    assert response.status_code in (403, 404)
    assert WeeklyReview.objects.filter(pk=review.pk).values().get() == before


def test_the_old_rms_notice_of_a_moved_log_says_where_it_went(client_for, org):
    """The old RM's bell said 张三 asked for a joint visit; after the move its link led to a
    bare 404. It now says where the log is and who signs it, and still shows nothing of
    it: no counts, no visits, no buttons."""
    from activity.models import Notification, NotificationKind

    log = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=TODAY,
        status=LogStatus.SUBMITTED,
        needs_from_manager="请陪同拜访东城物流",
    )
    url = reverse("activity:log_detail", args=[log.pk])
    Notification.objects.create(
        recipient=org.rm, kind=NotificationKind.HELP_REQUESTED, title="张三 需要陪同", url=url
    )
    org_services.membership_move(user=org.am, region=org.other_region, start_date=TODAY)
    response = client_for(org.rm).get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="log-moved"' in html
    assert "西" in html and "区域经理西" in html
    assert "东城物流" not in html and "log_sign_off" not in html
    # Through the bell's Open button too.
    notification = Notification.objects.get(recipient=org.rm)
    response = client_for(org.rm).post(
        reverse("activity:notification_read", args=[notification.pk]), follow=True
    )
    assert response.status_code == 404 and 'data-testid="log-moved"' in response.content.decode()
    # Someone never told of it learns nothing, not even that it exists.
    response = client_for(org.outsider_am).get(url)
    assert response.status_code == 404
    assert "log-moved" not in response.content.decode()
    assert "区域经理西" not in response.content.decode()
