"""A goal sheet or weekly review typed in two tabs (or on a phone and a PC), or posted
twice on a slow network: the second post is never silently dropped nor silently
replaces the first; a repeat of what was saved is no conflict."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from activity.models import Metric
from planning import services
from planning.models import MonthlyGoalSheet, WeeklyReview

D = datetime.date
FRIDAY = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)  # 15:00 in Shanghai
WEEK = D(2026, 11, 16)
MONTH = D(2026, 11, 1)

pytestmark = pytest.mark.usefixtures("friday")


@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False):
        yield


def _opened(client, url) -> dict:
    """What the page's form posts as it was opened: its hidden revision."""
    form = client.get(url).context["form"]
    return {name: form[name].value() for name in ["revision"] if name in form.fields}


def _monthly(count: str, focus: str, **extra) -> dict:
    metrics = Metric.objects.filter(is_active=True)
    return {f"metric_{m.pk}": count for m in metrics} | {"focus_items": focus, **extra}


MONTHLY_URL = reverse("planning:monthly_edit", kwargs={"month": MONTH})
WEEKLY_URL = reverse("planning:weekly_edit", kwargs={"week": WEEK})


def test_a_goal_sheet_submitted_in_another_tab_shows_back_what_this_one_typed(org, client_for):
    client = client_for(org.am)
    pc = _opened(client, MONTHLY_URL)
    phone = _opened(client, MONTHLY_URL)
    client.post(MONTHLY_URL, _monthly("50", "车队统保", submit="1", **phone))
    response = client.post(MONTHLY_URL, _monthly("70", "驾校团单", submit="1", **pc))
    assert response.status_code == 200
    html = response.content.decode()
    assert "驾校团单" in html and 'value="70"' in html
    assert "在其他页面或手机上提交" in str(response.context["form"].non_field_errors())
    sheet = MonthlyGoalSheet.objects.get()
    assert sheet.focus_items == "车队统保" and set(
        sheet.lines.values_list("proposed", flat=True)
    ) == {50}


def test_a_goal_sheet_draft_from_an_older_tab_asks_before_replacing_the_other_save(org, client_for):
    client = client_for(org.am)
    pc = _opened(client, MONTHLY_URL)
    phone = _opened(client, MONTHLY_URL)
    client.post(MONTHLY_URL, _monthly("50", "车队统保", **phone))
    response = client.post(MONTHLY_URL, _monthly("70", "驾校团单", **pc))
    assert response.status_code == 200 and "驾校团单" in response.content.decode()
    assert MonthlyGoalSheet.objects.get().focus_items == "车队统保"
    # Saving again from that page, having seen the warning, replaces the other save.
    again = {**response.context["form"].data.dict()}
    response = client.post(MONTHLY_URL, again)
    assert response.status_code == 302
    assert MonthlyGoalSheet.objects.get().focus_items == "驾校团单"


def test_a_double_tap_on_submit_of_a_goal_sheet_is_one_submission(org, client_for):
    client = client_for(org.am)
    opened = _opened(client, MONTHLY_URL)
    data = _monthly("50", "车队统保", submit="1", **opened)
    first = client.post(MONTHLY_URL, data)
    second = client.post(MONTHLY_URL, data)
    sheet = MonthlyGoalSheet.objects.get()
    assert first.url == second.url == reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
    assert sheet.status == "submitted"


def _weekly(analysis: str, **extra) -> dict:
    return {"planned_visit_count": "3", "situation_analysis": analysis, **extra}


def test_a_weekly_review_submitted_in_another_tab_shows_back_what_this_one_typed(org, client_for):
    client = client_for(org.am)
    pc = _opened(client, WEEKLY_URL)
    phone = _opened(client, WEEKLY_URL)
    client.post(WEEKLY_URL, _weekly("手机上写的", submit="1", **phone))
    response = client.post(WEEKLY_URL, _weekly("电脑上写的长篇分析", submit="1", **pc))
    assert response.status_code == 200
    assert "电脑上写的长篇分析" in response.content.decode()
    assert "在其他页面或手机上提交" in str(response.context["form"].non_field_errors())
    assert WeeklyReview.objects.get().situation_analysis == "手机上写的"


def test_a_weekly_review_draft_from_an_older_tab_asks_before_replacing_the_other_save(
    org, client_for
):
    client = client_for(org.am)
    pc = _opened(client, WEEKLY_URL)
    phone = _opened(client, WEEKLY_URL)
    client.post(WEEKLY_URL, _weekly("手机上写的", **phone))
    response = client.post(WEEKLY_URL, _weekly("电脑上写的", **pc))
    assert response.status_code == 200 and "电脑上写的" in response.content.decode()
    assert WeeklyReview.objects.get().situation_analysis == "手机上写的"
    response = client.post(WEEKLY_URL, response.context["form"].data.dict())
    assert response.status_code == 302
    assert WeeklyReview.objects.get().situation_analysis == "电脑上写的"


def test_a_post_not_saved_because_of_another_tab_marks_no_field_and_says_only_why(org, client_for):
    """QA (phone, two tabs): above "this sheet was submitted from another page" the box
    said 请更正标出的字段 too, and the AM looked for a marked field that was not there."""
    client = client_for(org.am)
    for url, phone, pc in (
        (MONTHLY_URL, _monthly("50", "车队统保"), _monthly("70", "驾校团单")),
        (WEEKLY_URL, _weekly("手机上写的"), _weekly("电脑上写的")),
    ):
        opened = _opened(client, url)
        client.post(url, {**phone, "submit": "1", **_opened(client, url)})
        stale = client.post(url, {**pc, "submit": "1", **opened}).content.decode()
        assert "在其他页面或手机上提交" in stale
        assert "请更正标出的字段" not in stale
    # A refused count is a marked field: the box says to correct it.
    client_for(org.peer_am).post(MONTHLY_URL, _monthly("-5", ""))
    wrong = client_for(org.peer_am).post(MONTHLY_URL, _monthly("-5", "")).content.decode()
    assert "请更正标出的字段" in wrong and "在其他页面" not in wrong


def test_a_double_tap_on_submit_of_a_weekly_review_is_one_submission(org, client_for):
    client = client_for(org.am)
    data = _weekly("本周小结", submit="1", **_opened(client, WEEKLY_URL))
    first = client.post(WEEKLY_URL, data)
    second = client.post(WEEKLY_URL, data)
    review = WeeklyReview.objects.get()
    assert first.url == second.url == reverse("planning:weekly_detail", kwargs={"pk": review.pk})


def test_an_agree_page_opened_before_the_am_changed_her_sheet_does_not_agree_the_old_one(
    org, client_for
):
    """The RM's tab of the first submission (拜访 50, agreed at 50) would agree 50 over the
    30 the AM asked for once reopened, unseen: it comes back with the new proposal and
    the figures and comment the RM typed."""
    client = client_for(org.rm)
    visits = Metric.objects.get(code="visits")
    services.monthly_sheet_save(
        author=org.am, month=MONTH, proposed={visits.pk: 50}, focus_items="", submit=True
    )
    sheet = MonthlyGoalSheet.objects.get()
    agree_url = reverse("planning:monthly_agree", kwargs={"pk": sheet.pk})
    detail_url = reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
    old_page = client.get(detail_url).context["agree_form"]
    with time_machine.travel(FRIDAY + datetime.timedelta(minutes=5), tick=False):
        services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 50}, comment="")
        services.monthly_sheet_reopen(sheet=sheet, actor=org.rm, reason="住院一周")
    with time_machine.travel(FRIDAY + datetime.timedelta(minutes=10), tick=False):
        services.monthly_sheet_save(
            author=org.am, month=MONTH, proposed={visits.pk: 30}, focus_items="", submit=True
        )
    typed = (
        _monthly("50", "")
        | {"comment": "照旧"}
        | {name: old_page[name].value() for name in ["revision"] if name in old_page.fields}
    )
    del typed["focus_items"]
    response = client.post(agree_url, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="agree-stale"' in html and "照旧" in html
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
    assert sheet.lines.get(metric=visits).proposed == 30
    # Agreed again from the page now shown, having seen the 30.
    response = client.post(agree_url, response.context["agree_form"].data.dict())
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "agreed"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two requests racing on two connections: runs on PostgreSQL (production, CI); "
    "the zero-setup SQLite test database takes one writer at a time",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sheet", ["monthly", "weekly"])
def test_two_taps_racing_on_a_sheet_never_saved_are_one_sheet_and_no_server_error(org, sheet):
    """Typed on the phone, never saved, 提交 tapped twice on a slow network: both posts
    found no sheet and both inserted one; the second broke on the one-a-period rule."""
    if sheet == "monthly":
        url, data, model = MONTHLY_URL, _monthly("50", "车队统保", submit="1"), MonthlyGoalSheet
    else:
        url, data, model = WEEKLY_URL, _weekly("本周小结", submit="1"), WeeklyReview
    barrier = threading.Barrier(2)
    responses = []

    def tap():
        client = Client()
        client.force_login(org.am)
        client.raise_request_exception = False
        try:
            barrier.wait()
            responses.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in responses] == [302, 302]
    assert model.objects.get().status == "submitted"


def test_a_coaching_note_refused_because_the_review_was_reviewed_meanwhile_is_kept(org, client_for):
    """Reviewed in another tab (or a double click that typed on): the note typed here
    comes back to copy; a redirect dropped it."""
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    url = reverse("planning:weekly_review", kwargs={"pk": review.pk})
    client = client_for(org.rm)
    client.post(url, {"coaching_note": "先约车队客户"})
    response = client.post(url, {"coaching_note": "下周一起去城西驾校，带上团单方案"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-saved"' in html and "带上团单方案" in html
    review.refresh_from_db()
    assert review.coaching_note == "先约车队客户"


def test_an_agreement_refused_because_the_sheet_was_agreed_meanwhile_keeps_the_comment(
    org, client_for
):
    visits = Metric.objects.get(code="visits")
    sheet = services.monthly_sheet_save(
        author=org.am, month=MONTH, proposed={visits.pk: 50}, focus_items="", submit=True
    )
    url = reverse("planning:monthly_agree", kwargs={"pk": sheet.pk})
    client = client_for(org.rm)
    client.post(url, _monthly("50", "") | {"comment": "可以"})
    response = client.post(url, _monthly("60", "") | {"comment": "拜访按每天三次定，月底前约车队"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-saved"' in html and "月底前约车队" in html
    sheet.refresh_from_db()
    assert sheet.manager_comment == "可以"
