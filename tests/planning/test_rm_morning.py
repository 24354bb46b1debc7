"""An RM's Monday with a full region: after agreeing a goal sheet or reviewing a weekly
review she lands on the next one waiting, told how many are left, with a way back to the
list; and the plan page names who has not handed in a review or a goal sheet."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from activity.models import Metric
from planning.models import MonthlyGoalSheet, WeeklyReview
from tests import factories as f

D = datetime.date
# Monday 23 November 2026, 09:00 in Shanghai: last week's reviews were due on Saturday.
MONDAY = datetime.datetime(2026, 11, 23, 1, 0, tzinfo=datetime.UTC)
LAST_WEEK = D(2026, 11, 16)
MONTH = D(2026, 11, 1)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _review(author, region, week=LAST_WEEK, status="submitted"):
    return WeeklyReview.objects.create(author=author, region=region, week_start=week, status=status)


def _sheet(author, region, status="submitted"):
    return MonthlyGoalSheet.objects.create(author=author, region=region, month=MONTH, status=status)


@pytest.mark.usefixtures("monday")
def test_reviewing_goes_on_to_the_next_waiting_review_then_stays(org, client_for):
    older = _review(org.peer_am, org.region, week=LAST_WEEK - datetime.timedelta(weeks=1))
    first = _review(org.am, org.region)
    second = _review(org.peer_am, org.region)
    _review(org.outsider_am, org.other_region)  # another RM's: never next
    client = client_for(org.rm)
    response = client.post(
        reverse("planning:weekly_review", kwargs={"pk": first.pk}),
        {"coaching_note": "先约车队客户"},
        follow=True,
    )
    # The oldest waiting comes next, as the list orders them, and the page says how many.
    assert response.redirect_chain[-1][0] == reverse(
        "planning:weekly_detail", kwargs={"pk": older.pk}
    )
    html = response.content.decode()
    assert "还剩 2 份" in html
    assert 'data-testid="waiting-left"' in html and response.context["waiting_left"] == 2
    response = client.post(
        reverse("planning:weekly_review", kwargs={"pk": older.pk}), {"coaching_note": "好"}
    )
    assert response.url == reverse("planning:weekly_detail", kwargs={"pk": second.pk})
    response = client.post(
        reverse("planning:weekly_review", kwargs={"pk": second.pk}),
        {"coaching_note": "好"},
        follow=True,
    )
    # None left: the review just saved, its note on it, and nothing else waiting said.
    assert response.redirect_chain[-1][0] == reverse(
        "planning:weekly_detail", kwargs={"pk": second.pk}
    )
    assert "没有其他等您批阅的周检讨" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "reviewed" and first.coaching_note == "先约车队客户"


@pytest.mark.usefixtures("monday")
def test_agreeing_goes_on_to_the_next_waiting_goal_sheet(org, client_for):
    metrics = Metric.objects.filter(is_active=True)
    first = _sheet(org.am, org.region)
    second = _sheet(org.peer_am, org.region)

    def agree(sheet):
        return {f"metric_{m.pk}": "60" for m in metrics} | {
            "comment": "可以",
            "revision": str(sheet.revision),  # the sheet as the RM opened it
        }

    client = client_for(org.rm)
    response = client.post(
        reverse("planning:monthly_agree", kwargs={"pk": first.pk}), agree(first), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "planning:monthly_detail", kwargs={"pk": second.pk}
    )
    assert "还剩 1 份" in response.content.decode()
    response = client.post(
        reverse("planning:monthly_agree", kwargs={"pk": second.pk}), agree(second), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "planning:monthly_detail", kwargs={"pk": second.pk}
    )
    assert "没有其他等您确认的目标设定表" in response.content.decode()
    assert set(MonthlyGoalSheet.objects.values_list("status", flat=True)) == {"agreed"}


@pytest.mark.usefixtures("monday")
def test_the_link_back_to_the_list_is_for_the_reviewer_only(org, client_for):
    review = _review(org.am, org.region)
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    assert 'data-testid="waiting-left"' in client_for(org.rm).get(url).content.decode()
    for user in (org.am, org.branch_head):
        assert 'data-testid="waiting-left"' not in client_for(user).get(url).content.decode()


@pytest.mark.usefixtures("monday")
def test_the_plan_page_names_who_has_not_handed_in(org, client_for):
    _review(org.am, org.region)  # handed in
    _review(org.peer_am, org.region, status="draft")  # a draft is not handed in
    _review(org.outsider_am, org.other_region, status="draft")  # another RM's region
    _sheet(org.am, org.region, status="agreed")
    _sheet(org.peer_am, org.region, status="draft")  # reopened or never submitted
    response = client_for(org.rm).get(reverse("planning:index"))
    missing = response.context["not_handed_in"]
    assert missing.week == LAST_WEEK
    assert [u.name for u in missing.without_review] == ["李四"]
    assert [u.name for u in missing.without_sheet] == ["李四"]
    html = response.content.decode()
    assert 'data-testid="not-handed-in"' in html and "王五" not in html


def test_before_the_deadline_the_week_before_is_the_one_missing(org, client_for):
    # Saturday 21 November, 11:00: this week's reviews are due at noon, not yet missing.
    _review(org.am, org.region, week=D(2026, 11, 9))
    _review(org.peer_am, org.region, week=D(2026, 11, 9))
    with time_machine.travel(datetime.datetime(2026, 11, 21, 3, 0, tzinfo=datetime.UTC)):
        missing = client_for(org.rm).get(reverse("planning:index")).context["not_handed_in"]
        assert (missing.week, missing.without_review) == (D(2026, 11, 9), [])
    with time_machine.travel(datetime.datetime(2026, 11, 21, 5, 0, tzinfo=datetime.UTC)):
        missing = client_for(org.rm).get(reverse("planning:index")).context["not_handed_in"]
        assert missing.week == D(2026, 11, 16)
        assert {u.name for u in missing.without_review} == {"张三", "李四"}


@pytest.mark.usefixtures("monday")
@pytest.mark.parametrize("size", [2, 30])
def test_not_handed_in_makes_as_many_queries_for_a_region_of_thirty(
    org, client_for, size, django_assert_max_num_queries
):
    for i in range(size):
        person = f.member(org.region, name=f"客户经理{i}")
        if i % 2:
            _review(person, org.region)
            _sheet(person, org.region)
    from planning import selectors

    # 1 "only a regional manager?" + 1 regions + 1 branch settings + 2 memberships (the
    # week's, today's) + 1 reviews + 1 sheets, whatever the number of AMs.
    with django_assert_max_num_queries(7):
        missing = selectors.not_handed_in(org.rm)
    assert len(missing.without_review) == size - size // 2 + 2  # and 张三, 李四


@pytest.mark.usefixtures("monday")
def test_the_rm_reminds_who_has_not_handed_in_once_a_day(org, client_for):
    from activity.models import Notification, NotificationKind

    _review(org.am, org.region)
    _sheet(org.am, org.region)
    client = client_for(org.rm)
    url = reverse("planning:remind_not_handed_in")
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("planning:index")
    assert "已发送 2 条提醒" in response.content.decode()
    notices = {
        (n.recipient.name, n.kind, n.title, n.url)
        for n in Notification.objects.select_related("recipient")
    }
    assert notices == {
        (
            "李四",
            NotificationKind.REVIEW_REMINDER,
            "请提交 2026-11-16 当周的周检讨",
            reverse("planning:weekly_edit", kwargs={"week": LAST_WEEK}),
        ),
        (
            "李四",
            NotificationKind.SHEET_REMINDER,
            "请提交 2026-11 的目标设定表",
            reverse("planning:monthly_edit", kwargs={"month": MONTH}),
        ),
    }
    # A second click (or tab) the same day reminds no one twice.
    response = client.post(url, follow=True)
    assert "今天都已提醒过" in response.content.decode()
    assert Notification.objects.count() == 2
    # Another region's RM reminds her own people, not these.
    client_for(org.other_rm).post(url)
    assert Notification.objects.filter(recipient__in=[org.am, org.peer_am]).count() == 2
    assert Notification.objects.filter(recipient=org.outsider_am).count() == 2
