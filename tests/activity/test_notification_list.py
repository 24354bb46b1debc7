"""The notification list at real size: after two years an RM has thousands of notices,
hundreds unread. QA: the page listed the newest 100 and nothing older could be reached;
it is now paged, newest first, with the unread ones a filter away."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity.models import Notification, NotificationKind
from activity.views import NOTIFICATIONS_PER_PAGE

URL = reverse("activity:notifications")


def _notices(user, count: int, *, unread: int) -> list[Notification]:
    """`count` notices an hour apart, newest first, the newest `unread` of them unread."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.LOG_MISSING,
            title=f"提醒{i:04d}",
            created_at=now - datetime.timedelta(hours=i),
            read_at=None if i < unread else now,
        )
        for i in range(count)
    )


def _titles(response) -> list[str]:
    return [n.title for n in response.context["notifications"]]


def test_it_pages_newest_first_and_reaches_the_oldest(client_for, org):
    _notices(org.rm, 2 * NOTIFICATIONS_PER_PAGE + 5, unread=0)
    client = client_for(org.rm)
    first = client.get(URL)
    assert _titles(first)[:2] == ["提醒0000", "提醒0001"]
    assert len(_titles(first)) == NOTIFICATIONS_PER_PAGE
    html = first.content.decode()
    assert 'data-testid="notification-pages"' in html
    assert 'href="?page=2"' in html
    assert "第 1 / 3 页（共 105 条）" in html

    last = client.get(URL, {"page": 3})
    assert _titles(last) == [f"提醒{i:04d}" for i in range(100, 105)]


def test_an_out_of_range_page_shows_the_last(client_for, org):
    _notices(org.rm, NOTIFICATIONS_PER_PAGE + 1, unread=0)
    client = client_for(org.rm)
    for page in ("99", "x", "-1"):
        response = client.get(URL, {"page": page})
        assert response.status_code == 200
    assert _titles(client.get(URL, {"page": "99"})) == [f"提醒{NOTIFICATIONS_PER_PAGE:04d}"]


def test_the_unread_filter_is_kept_from_page_to_page(client_for, org):
    _notices(org.rm, 400, unread=NOTIFICATIONS_PER_PAGE + 3)
    client = client_for(org.rm)
    first = client.get(URL, {"unread": "1"})
    html = first.content.decode()
    assert 'href="?unread=1&amp;page=2"' in html
    second = client.get(URL, {"unread": "1", "page": "2"})
    assert _titles(second) == [f"提醒{i:04d}" for i in range(50, 53)]
    assert 'href="?unread=1&amp;page=1"' in second.content.decode()


def test_marking_one_read_goes_back_to_its_page(client_for, org):
    notices = _notices(org.rm, NOTIFICATIONS_PER_PAGE + 5, unread=NOTIFICATIONS_PER_PAGE + 5)
    client = client_for(org.rm)
    read = reverse("activity:notification_read", kwargs={"pk": notices[-1].pk})
    response = client.post(read, {"next": f"{URL}?page=2"})
    assert response["Location"] == f"{URL}?page=2"
    # Nowhere but the list: another page, or another site, is the list's first page.
    for elsewhere in ("https://evil.example/", reverse("planning:items")):
        response = client.post(read, {"next": elsewhere})
        assert response["Location"] == URL


def test_the_page_makes_as_many_queries_with_more_notices(
    client_for, org, django_assert_max_num_queries
):
    # 50 on the page, 1 count for the pager, 1 unread count for the bell, plus the session,
    # the user and the page's others: the same with 60 notices as with 600.
    _notices(org.rm, 60, unread=10)
    client = client_for(org.rm)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _notices(org.rm, 540, unread=300)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert len(response.content) < 60_000


def test_an_unread_notice_says_so_in_words(client_for, org):
    """Unread was told by a yellow tint and bold type: a screen reader read both kinds
    alike. It now hears "未读：" before an unread notice's title."""
    _notices(org.am, 2, unread=1)
    html = client_for(org.am).get(URL).content.decode()
    assert '<span class="visually-hidden">未读： </span>提醒0000' in html
    assert "未读： </span>提醒0001" not in html


def test_the_bell_s_name_has_the_unread_count(client_for, org):
    """The bell's aria-label ("通知") stood for the whole link, its red count included: a
    screen reader never heard that anything was waiting."""
    _notices(org.am, 3, unread=2)
    html = client_for(org.am).get(URL).content.decode()
    assert html.count('aria-label="通知：2 条未读"') == 2  # the phone's bell and the desktop's
    Notification.objects.update(read_at=timezone.now())
    html = client_for(org.am).get(URL).content.decode()
    assert html.count('aria-label="通知"') == 2
