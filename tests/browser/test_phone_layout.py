"""Small-phone QA (360 px, touch): the pages managers read standing in the field, and the
AM's log page with a keyboard or a screen reader."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from activity.models import Metric
from planning.models import PeriodKind, Target
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}

# How many lines a table header's text takes.
_HEADER_LINES = """th => {
  const style = getComputedStyle(th);
  const text = th.getBoundingClientRect().height
    - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return Math.round(text / parseFloat(style.lineHeight));
}"""
_FITS = "box => box.scrollWidth <= box.clientWidth"


def test_queue_and_regions_today_fit_a_360_px_phone(org, live_server, login, new_page):
    """QA: a 4-digit count or a long name made the queue scroll sideways (促成 off
    screen), in English even without them; Regions today stood its headers one character
    a line (已/退/回) and in English hid its last columns."""
    org.am.name = "欧阳慕容雪儿娜"
    org.am.save(update_fields=["name"])
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=timezone.localdate() - datetime.timedelta(days=1)
    )
    for metric in Metric.objects.filter(is_active=True):
        f.MetricValueFactory(log=log, metric=metric, value=1200)

    rm = login(new_page(**SMALL_PHONE), org.rm)
    queue = rm.get_by_test_id("queue")
    expect(queue).to_contain_text("欧阳慕容雪儿娜")
    assert queue.locator("xpath=..").evaluate(_FITS)
    # The tick is a thumb high; the bell beside the menu button too.
    assert rm.locator(f"label[for=tick-{log.pk}]").bounding_box()["height"] >= 44
    assert rm.get_by_test_id("bell-phone").bounding_box()["height"] >= 44
    with rm.expect_navigation():
        rm.get_by_label("语言").select_option("en")
    expect(queue).to_contain_text("Closings")
    assert queue.locator("xpath=..").evaluate(_FITS)

    head = login(new_page(**SMALL_PHONE), org.branch_head)
    table = head.get_by_test_id("region-status")
    expect(table).to_contain_text("区域经理东")  # under the region's name
    assert table.locator("xpath=..").evaluate(_FITS)
    assert table.locator("thead th", has_text="已退回").evaluate(_HEADER_LINES) <= 2
    with head.expect_navigation():
        head.get_by_label("语言").select_option("en")
    expect(table).to_contain_text("Not submitted")
    assert table.locator("xpath=..").evaluate(_FITS)


def test_log_page_errors_are_linked_and_fields_stay_clear_of_the_save_bar(
    org, live_server, login, new_page
):
    """QA: after a failed save the page stayed at the top ("correct the marked fields")
    with the marked field a screen below; its aria-describedby named an error without
    that id; a field reached with Tab stopped under the sticky save bar; "remove" on a
    visit card was a 13 px box, and the other tick boxes overlapped their words."""
    for metric in Metric.objects.filter(is_active=True):
        Target.objects.create(
            user=org.am,
            metric=metric,
            period_kind=PeriodKind.MONTH,
            period_start=timezone.localdate().replace(day=1),
            value=1200,
            updated_by=org.rm,
        )
    page = login(new_page(**SMALL_PHONE), org.am)
    # This month's pace: its last column (进度) was cut off by a few pixels.
    page.get_by_test_id("pacing-summary").locator("summary").click()
    plan = page.get_by_test_id("plan-table")
    expect(plan.locator("[data-pace]").first).to_be_visible()  # whichever pace today
    assert plan.locator("xpath=..").evaluate(_FITS)
    assert page.get_by_label("删除").first.locator("xpath=..").bounding_box()["height"] >= 44
    # A tick box beside its words (the enlarged box overlapped them), a thumb high.
    box = page.locator("#id_needs_joint_visit").bounding_box()
    words = page.locator("label[for=id_needs_joint_visit]").bounding_box()
    assert box["x"] + box["width"] <= words["x"] and words["height"] >= 44

    # Tab from the counts down the first visit card: no field ends under the bar.
    bar = page.locator(".sticky-actions")
    page.locator("#id_count_closings").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.locator("*:focus")
        expect(focused).to_be_in_viewport()
        # The page moves the field after the browser's own scroll: wait for it (a fixed
        # 100 ms was too short on a busy machine), then check.
        try:
            page.wait_for_function(
                """() => document.activeElement.getBoundingClientRect().bottom
                    <= document.querySelector('.sticky-actions').getBoundingClientRect().top + 1""",
                timeout=3000,
            )
        except PlaywrightTimeoutError:
            pass
        assert focused.bounding_box()["y"] + focused.bounding_box()["height"] <= (
            bar.bounding_box()["y"] + 1
        ), focused.get_attribute("id")

    page.locator("#id_count_visits").fill("2")
    page.get_by_test_id("add-visit").click()
    page.locator("#id_visits-0-customer").fill("恒通物流")
    page.locator("#id_visits-1-needs").fill("要一份报价")  # no customer named
    page.get_by_label("我的备注").fill("下午下雨")
    page.get_by_test_id("submit-log").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()

    customer = page.locator("#id_visits-1-customer")
    expect(customer).to_be_focused()
    expect(customer).to_be_in_viewport()
    error_id = customer.get_attribute("aria-describedby")
    expect(page.locator(f"#{error_id}")).to_have_text("请填写拜访的客户或单位。")
    # What was typed is all still there.
    expect(page.locator("#id_visits-1-needs")).to_have_value("要一份报价")
    expect(page.get_by_label("我的备注")).to_have_value("下午下雨")
