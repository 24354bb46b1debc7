"""An RM's Monday with a full region: after agreeing a goal sheet or reviewing a weekly
review she lands on the next one waiting, told how many are left, with a way back to the
list; and the plan page names who has not handed in a review or a goal sheet."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
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

    # 1 "only a regional manager?" + 1 regions + 1 branch settings + 1 its calendar (a
    # week off owes no review) + 2 memberships (the week's, today's) + 1 reviews + 1
    # sheets, whatever the number of AMs.
    with django_assert_max_num_queries(8):
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


def _behind(org, weeks: int) -> list[WeeklyReview]:
    """An RM months behind: a review a week from two AMs, `weeks` weeks back, oldest first."""
    return [
        _review(author, org.region, week=LAST_WEEK - datetime.timedelta(weeks=w))
        for w in range(weeks, 0, -1)
        for author in (org.am, org.peer_am)
    ]


def _waiting_links(html: str, url_name: str) -> list[str]:
    waiting = html.split('data-testid="waiting"')[1].split('data-testid="not-handed-in"')[0]
    prefix = reverse(url_name, kwargs={"pk": 0})[:-2]
    return [part.split("/")[0] for part in waiting.split(f'href="{prefix}')[1:]]


@pytest.mark.usefixtures("monday")
def test_what_waits_is_paged_oldest_first_each_list_on_its_own(org, client_for):
    reviews = _behind(org, 23)  # 46 reviews: three pages of 20
    sheet = _sheet(org.am, org.region)
    client = client_for(org.rm)
    url = reverse("planning:index")

    html = client.get(url).content.decode()
    assert _waiting_links(html, "planning:weekly_detail") == [str(r.pk) for r in reviews[:20]]
    assert _waiting_links(html, "planning:monthly_detail") == [str(sheet.pk)]
    assert 'href="?reviews=2#waiting"' in html
    assert "第 1 / 3 页（共 46 份周检讨）" in html
    assert 'data-testid="waiting-pages-sheets"' not in html  # one sheet: no pages

    html = client.get(url, {"reviews": "3"}).content.decode()
    assert _waiting_links(html, "planning:weekly_detail") == [str(r.pk) for r in reviews[40:]]
    assert _waiting_links(html, "planning:monthly_detail") == [str(sheet.pk)]
    assert 'href="?reviews=2#waiting"' in html

    # Past the last page: the last page, not an error.
    html = client.get(url, {"reviews": "99", "sheets": "x"}).content.decode()
    assert _waiting_links(html, "planning:weekly_detail") == [str(r.pk) for r in reviews[40:]]


@pytest.mark.usefixtures("monday")
def test_the_other_lists_page_is_kept_when_paging_one(org, client_for):
    _behind(org, 15)
    for author in [f.member(org.region) for _ in range(25)]:
        _sheet(author, org.region)
    html = client_for(org.rm).get(reverse("planning:index"), {"sheets": "2"}).content.decode()
    assert 'href="?sheets=2&amp;reviews=2#waiting"' in html
    assert 'href="?sheets=1#waiting"' in html


@pytest.mark.usefixtures("monday")
def test_the_plans_page_makes_as_many_queries_with_more_waiting(
    org, client_for, django_assert_max_num_queries
):
    _behind(org, 12)
    client = client_for(org.rm)
    url = reverse("planning:index")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    newcomer = f.member(org.region)
    for w in range(1, 40):
        _review(newcomer, org.region, week=LAST_WEEK - datetime.timedelta(weeks=w))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(_waiting_links(response.content.decode(), "planning:weekly_detail")) == 20


@pytest.mark.usefixtures("monday")
def test_someone_who_moved_midweek_owes_her_review_to_the_rm_she_moved_to(org, client_for):
    """张三 moved from 东 to 西 on Wednesday 18 November: her review of that week is filed
    under 西, whose RM reviews it. 东's RM listed her as not handed in too, and her
    reminder went out from both."""
    from accounts.services import membership_move
    from activity.models import Notification
    from planning import selectors

    membership_move(user=org.am, region=org.other_region, start_date=D(2026, 11, 18))
    east = selectors.not_handed_in(org.rm)
    west = selectors.not_handed_in(org.other_rm)
    assert "张三" not in [u.name for u in east.without_review]
    assert "张三" in [u.name for u in west.without_review]
    client_for(org.rm).post(reverse("planning:remind_not_handed_in"))
    assert not Notification.objects.filter(recipient=org.am).exists()


def test_a_week_the_branch_had_off_owes_no_review_and_the_week_before_is_listed(org):
    """春节 2026 (chinese-calendar): 16–22 February is all days off, its review due on a
    holiday Saturday. On the 24th, back at work, every AM was listed (and reminded) for
    it; the week of 9 February, due on Saturday the 14th (a 调休 working day), not."""
    from planning import selectors

    _review(org.am, org.region, week=D(2026, 2, 9))
    with time_machine.travel(datetime.datetime(2026, 2, 24, 1, 0, tzinfo=datetime.UTC)):
        missing = selectors.not_handed_in(org.rm)
    assert missing.week == D(2026, 2, 9)
    assert [u.name for u in missing.without_review] == ["李四"]


def test_someone_who_joined_after_the_last_working_day_owes_nothing_for_it(org):
    """Saturday 31 October 2026, 15:00: this week's reviews are past due and October is
    the month. 新人 joined today, with no working day left in the week or the month; 周五
    joined on Friday and worked it."""
    from planning import selectors

    for name, joined in (("新人", D(2026, 10, 31)), ("周五", D(2026, 10, 30))):
        f.MembershipFactory(user=f.UserFactory(name=name), region=org.region, start_date=joined)
    with time_machine.travel(datetime.datetime(2026, 10, 31, 7, 0, tzinfo=datetime.UTC)):
        missing = selectors.not_handed_in(org.rm)
    assert missing.week == D(2026, 10, 26)
    assert "新人" not in [u.name for u in missing.without_review + missing.without_sheet]
    assert "周五" in [u.name for u in missing.without_review]
    assert "周五" in [u.name for u in missing.without_sheet]


def test_a_review_due_after_a_holiday_is_not_missing_during_it(org):
    """Monday 5 October 2026, in 国庆: the review of 28 September is due on the 8th (its
    Saturday is a holiday), so the one missing is the week before's, due on Monday 28
    September (its Saturday was 中秋)."""
    from planning import selectors

    _review(org.am, org.region, week=D(2026, 9, 21))
    with time_machine.travel(datetime.datetime(2026, 10, 5, 2, 0, tzinfo=datetime.UTC)):
        missing = selectors.not_handed_in(org.rm)
    assert missing.week == D(2026, 9, 21)
    assert missing.deadline.date() == D(2026, 9, 28)
    assert [u.name for u in missing.without_review] == ["李四"]
