"""What is typed on a phone survives the session expiring before it is saved, and a
second tap sends nothing twice."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import DailyLog, Prospect
from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nothing_typed_is_lost_when_the_session_expires(org, live_server, login, new_page):
    page = login(new_page(viewport={"width": 375, "height": 812}), org.am)
    page.locator("#id_count_visits").fill("7")
    page.locator("#id_count_leaflets").fill("40")
    page.locator("#id_visits-0-customer").fill("顺达快递")
    page.locator("#id_visits-0-needs").fill("车队二十台车想统一续保")
    page.get_by_label("我的备注").fill("下午在城西物流园")

    page.context.clear_cookies(name="sessionid")  # the session ends while the AM types
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert not DailyLog.objects.exists()

    page.get_by_label("工号").fill(org.am.employee_no)
    page.get_by_label("密码").fill("correct horse 42")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.locator("#id_count_visits")).to_have_value("7")
    expect(page.locator("#id_visits-0-customer")).to_have_value("顺达快递")
    expect(page.get_by_label("我的备注")).to_have_value("下午在城西物流园")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()

    log = DailyLog.objects.get(author=org.am)
    assert log.remarks == "下午在城西物流园"
    assert log.values.get(metric__code="leaflets").value == 40
    assert log.visits.get().needs == "车队二十台车想统一续保"
    # Saved: the copy in the browser is dropped, and a reload shows no notice.
    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()


def test_a_saved_log_is_not_put_back_from_the_copy_when_the_phone_clock_runs_fast(
    org, live_server, login, new_page
):
    """The copy used to be compared by time: with the phone's clock ahead (or within the
    same second), a saved log came back as "not saved yet", its new prospect unlinked and
    ticked again, so each further save added the same prospect once more."""
    page = new_page(viewport={"width": 375, "height": 812})
    page.add_init_script("Date.now = ((now) => () => now() + 10 * 60 * 1000)(Date.now);")
    page = login(page, org.am)
    page.locator("#id_visits-0-customer").fill("东城物流公司")
    page.locator("#visits details summary").first.click()
    page.locator("#id_visits-0-save_prospect").check()
    page.locator("#id_visits-0-prospect_phone").fill("13912345678")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()
    expect(page.locator("#id_visits-0-save_prospect")).not_to_be_checked()

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    assert Prospect.objects.filter(owner=org.am, name="东城物流公司").count() == 1
    assert DailyLog.objects.get(author=org.am).visits.get().prospect.name == "东城物流公司"


def _log_in_again(page, user):
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("工号").fill(user.employee_no)
    page.get_by_label("密码").fill("correct horse 42")
    page.get_by_role("button", name="登录").click()


def test_the_weekly_review_and_the_goal_sheet_survive_the_session_expiring(
    org, live_server, login, new_page
):
    """Phone QA: the weekly review came back empty after logging in again; only the
    daily log kept what was typed."""
    from planning.models import MonthlyGoalSheet, WeeklyReview

    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)  # last week's review
    page = login(new_page(**PHONE), org.am)
    page.goto(f"{live_server.url}/plan/weekly/{monday.isoformat()}/")
    page.locator("#id_situation_analysis").fill("周二周三下雨，车队客户没约上")
    page.locator("#id_planned_visit_count").fill("18")
    page.locator("#id_desk_work_plan").fill("周四写恒通物流的统保方案")
    page.context.clear_cookies(name="sessionid")
    page.get_by_test_id("save-review").click()
    _log_in_again(page, org.am)
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.locator("#id_situation_analysis")).to_have_value("周二周三下雨，车队客户没约上")
    expect(page.locator("#id_planned_visit_count")).to_have_value("18")
    expect(page.locator("#id_desk_work_plan")).to_have_value("周四写恒通物流的统保方案")
    page.get_by_test_id("save-review").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    review = WeeklyReview.objects.get(author=org.am)
    assert review.desk_work_plan == "周四写恒通物流的统保方案" and review.planned_visit_count == 18
    # Saved: the copy is dropped, so the page as the server fills it stays as it is.
    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()

    page.goto(f"{live_server.url}/plan/monthly/{today.replace(day=1).isoformat()}/")
    page.locator("[data-testid=monthly-form] textarea").fill("重点跑城西物流园的车队")
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="保存草稿").click()
    _log_in_again(page, org.am)
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.locator("[data-testid=monthly-form] textarea")).to_have_value(
        "重点跑城西物流园的车队"
    )
    assert not MonthlyGoalSheet.objects.exists()


def test_a_restored_log_shows_its_notice_not_an_empty_visit(org, live_server, login, new_page):
    """Phone QA: putting back three visits tapped "add a visit" three times, and each new
    card took the focus: the phone ended on an empty card, the notice 2,700 px above."""
    page = login(new_page(**PHONE), org.am)
    for index, customer in enumerate(("顺达快递", "恒通物流", "城西驾校")):
        if index:
            page.get_by_test_id("add-visit").click()
        page.locator(f"#id_visits-{index}-customer").fill(customer)
        page.locator(f"#id_visits-{index}-needs").fill("车队统保\n" * 6)
    page.context.clear_cookies(name="sessionid")
    page.get_by_test_id("save-draft").click()
    _log_in_again(page, org.am)
    notice = page.get_by_test_id("draft-restored")
    expect(notice).to_be_visible()
    expect(notice).to_be_in_viewport()
    expect(page.locator("#id_visits-2-customer")).to_have_value("城西驾校")
    assert page.evaluate("document.activeElement.tagName") == "BODY"


def test_a_second_tap_on_submit_sends_nothing_more(org, live_server, login, new_page):
    """Phone QA: two taps 250 ms apart on a slow network posted the log twice."""
    page = login(new_page(**PHONE), org.am)
    page.locator("#id_count_visits").fill("4")
    held = []  # the slow network: posts wait here until both taps are done
    page.route(
        "**/logs/**",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.evaluate(
        """() => {
          const button = document.querySelector("[data-testid=submit-log]");
          button.click();
          setTimeout(() => button.click(), 250);
        }"""
    )
    page.wait_for_timeout(750)
    assert len(held) == 1
    held[0].continue_()
    expect(page.get_by_test_id("log-status")).to_contain_text("已提交")
    assert DailyLog.objects.get(author=org.am).events.count() == 1


def test_an_rm_s_coaching_note_survives_the_session_ending(org, live_server, login, new_page):
    """QA (RM, phone): 标为已批阅 after the session ended led, once logged in again, to
    the browser's own "HTTP ERROR 405" page, and the note was gone. Now the login page
    goes back to the review, with the note as typed."""
    from planning.models import WeeklyReview

    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=monday,
        status="submitted",
        submitted_at=timezone.now(),
    )
    page = login(new_page(**PHONE), org.rm)
    page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    page.locator("#id_coaching_note").fill("先电话预约车队负责人，再上门")

    page.context.clear_cookies(name="sessionid")
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("工号").fill(org.rm.employee_no)
    page.get_by_label("密码").fill("correct horse 42")
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.locator("#id_coaching_note")).to_have_value("先电话预约车队负责人，再上门")
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_test_id("coaching-note")).to_contain_text("先电话预约车队负责人")
    review.refresh_from_db()
    assert review.status == "reviewed"
