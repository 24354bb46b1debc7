"""Each remaining role's main path, clicked through in headless Chromium."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import DailyLog, LogStatus, Metric
from tests import factories as f
from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("persona, on_phone", [("branch_head", False), ("area_manager", True)])
def test_manager_above_reads_regions_week_and_a_log(persona, on_phone, org, login, new_page):
    today = timezone.localdate()
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    f.MetricValueFactory(log=log, value=7)
    page = login(new_page(**PHONE) if on_phone else new_page(), getattr(org, persona))
    table = page.get_by_test_id("region-status")
    expect(table).to_contain_text("东")
    expect(table).to_contain_text("西")
    expect(table).not_to_contain_text("直属")  # another branch's region
    row = page.get_by_role("row", name="东")
    if on_phone:  # the table fits, and the region's name leads to its week
        assert page.locator(".table-responsive").evaluate("b => b.scrollWidth <= b.clientWidth")
        row.get_by_test_id("region-week").click()
    else:
        row.get_by_role("link", name="周视图").click()
    grid = page.get_by_test_id("week-grid")
    expect(grid).to_contain_text("张三")
    grid.get_by_role("link", name="已提交").click()
    expect(page.get_by_test_id("counts")).to_contain_text("7")
    # Managers above read; only the region's RM signs off.
    expect(page.get_by_test_id("sign-off")).to_have_count(0)


def test_regional_manager_signs_off_several_logs_at_once(org, login, new_page):
    today = timezone.localdate()
    for am in (org.am, org.peer_am):
        f.DailyLogFactory(author=am, region=org.region, date=today - datetime.timedelta(days=1))
    page = login(new_page(), org.rm)
    expect(page.get_by_test_id("queue-count")).to_have_text("2")
    page.get_by_label("全选").check()
    page.get_by_label("统一批示").fill("本周加油")
    page.get_by_test_id("bulk-sign-off").click()
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    assert set(DailyLog.objects.values_list("status", "manager_comment")) == {
        (LogStatus.SIGNED_OFF, "本周加油")
    }


def test_admin_configures_a_metric(org, login, new_page):
    page = login(new_page(), org.admin)
    expect(page.get_by_test_id("region-status")).to_contain_text("直属")  # every branch
    page.get_by_role("button", name=org.admin.name).click()
    page.get_by_role("link", name="系统配置").click()
    page.get_by_role("link", name="活动量指标").first.click()
    page.get_by_role("link", name="促成").click()
    page.get_by_label("权重").fill("2.5")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert str(Metric.objects.get(code="closings").weight) == "2.50"


def test_interface_switches_to_english(org, login, new_page):
    page = login(new_page(), org.am)
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="Daily work log")).to_be_visible()
    expect(page.locator("label[for=id_count_visits]")).to_have_text("Visits")
