"""A regional manager's Monday morning in headless Chromium: she signs off two of last
Friday's logs in a row, reviews two weekly reviews in a row and agrees a goal sheet,
each time landing on the next one waiting, and sees who has not handed in a review."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import DailyLog, LogStatus, Metric
from planning import periods, services
from planning.models import MonthlyGoalSheet, WeeklyReview
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_rm_goes_through_her_morning_without_going_back_to_the_lists(
    org, live_server, login, new_page
):
    today = timezone.localdate()
    last_week = periods.week_start(today) - datetime.timedelta(weeks=1)
    friday = last_week + datetime.timedelta(days=4)
    silent = f.member(org.region, name="王芳")  # hands in neither review nor goal sheet
    first_log = f.DailyLogFactory(author=org.am, region=org.region, date=friday)
    second_log = f.DailyLogFactory(author=org.peer_am, region=org.region, date=friday)
    reviews = [
        WeeklyReview.objects.create(
            author=author, region=org.region, week_start=last_week, status="submitted"
        )
        for author in (org.am, org.peer_am)
    ]
    visits = Metric.objects.get(code="visits")
    sheet = services.monthly_sheet_save(
        author=org.am,
        month=periods.month_start(today),
        proposed={m.pk: 120 if m == visits else 30 for m in Metric.objects.filter(is_active=True)},
        focus_items="车队统保",
        submit=True,
    )

    # Her home is the sign-off queue: the oldest log first.
    page = login(new_page(), org.rm)
    page.get_by_test_id("queue-author").first.click()
    page.locator("#id_comment").fill("周五拜访量不错，继续")
    page.get_by_test_id("sign-off").click()
    # Signed off, the next waiting log opens, saying how many are left.
    expect(page.get_by_text("还剩 1 份")).to_be_visible()
    page.get_by_test_id("sign-off").click()
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    signed = {first_log.pk, second_log.pk}
    assert (
        set(DailyLog.objects.filter(status=LogStatus.SIGNED_OFF).values_list("pk", flat=True))
        == signed
    )

    # The plans page: who has not handed in last week's review, and what waits for her.
    page.get_by_test_id("nav-plan").click()
    expect(page.get_by_test_id("without-review")).to_contain_text(silent.name)
    expect(page.get_by_test_id("without-review")).not_to_contain_text(org.am.name)
    page.get_by_test_id("waiting").get_by_role(
        "link", name=f"周检讨 {last_week:%Y-%m-%d}"
    ).first.click()

    # Two reviews in a row: after the coaching note, the next one.
    page.locator("#id_coaching_note").fill("先电话预约车队负责人再上门")
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_text("还剩 1 份")).to_be_visible()
    page.locator("#id_coaching_note").fill("下周一起去城西驾校")
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_text("没有其他等您批阅的周检讨")).to_be_visible()
    expect(page.get_by_test_id("coaching-note")).to_contain_text("下周一起去城西驾校")
    assert set(WeeklyReview.objects.values_list("status", flat=True)) == {"reviewed"}
    assert {
        r.coaching_note for r in WeeklyReview.objects.filter(pk__in=[r.pk for r in reviews])
    } == {
        "先电话预约车队负责人再上门",
        "下周一起去城西驾校",
    }

    # Back to the list, and the goal sheet.
    page.get_by_test_id("waiting-left").click()
    page.get_by_test_id("waiting").get_by_role("link", name="每月目标设定表").click()
    page.locator(f"#id_metric_{visits.pk}").fill("140")
    page.get_by_test_id("agree").click()
    expect(page.get_by_text("没有其他等您确认的目标设定表")).to_be_visible()
    sheet.refresh_from_db()
    assert sheet.status == "agreed"
    assert MonthlyGoalSheet.objects.get().lines.get(metric=visits).agreed == 140
