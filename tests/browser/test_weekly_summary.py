"""The branch head reads, drills into and downloads the weekly summary of the demo branch."""

import datetime
import io

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts import demo as org_demo
from activity import demo as activity_demo
from planning import demo as planning_demo
from planning import periods
from reports import demo as reports_demo
from tests.browser import PHONE, unreadable_chart_texts
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_branch():
    today = timezone.localdate()
    org = org_demo.build_org(am_count=15, start=today - datetime.timedelta(weeks=5))
    activity_demo.build_logs(org=org, today=today, weeks=4)
    # Targets, so that the rolled-up weeks have a task completion and the trend a line
    # (without one the page says there is no trend yet, and draws no chart).
    planning_demo.build_plans(org=org, today=today, weeks=4)
    reports_demo.build_rollups(org=org, today=today, weeks=2)
    org.branch.head.set_password(PASSWORD)
    org.branch.head.save()
    return org


def raw_visits(region_id, start, end):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COALESCE(SUM(v.value), 0) FROM activity_metricvalue v
               JOIN activity_dailylog l ON l.id = v.log_id JOIN activity_metric m ON m.id = v.metric_id
               WHERE l.region_id = %s AND m.code = 'visits' AND l.date BETWEEN %s AND %s
               AND l.status IN ('submitted', 'signed_off')""",
            [region_id, start, end],
        )
        return cursor.fetchone()[0]


def test_branch_head_reads_drills_and_downloads(demo_branch, live_server, login, new_page):
    head = demo_branch.branch.head
    week = periods.week_start(timezone.localdate()) - datetime.timedelta(weeks=1)
    end = week + datetime.timedelta(days=6)
    page = login(new_page(), head)
    page.get_by_test_id("nav-summary").click()
    page.get_by_label("开始日期").fill(week.isoformat())
    page.get_by_label("结束日期").fill(end.isoformat())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("data-source")).to_contain_text("已结束的周")

    table = page.get_by_test_id("summary-table")
    for region in demo_branch.regions:
        region_row = page.get_by_test_id(f"row-{region.name}")
        expect(region_row).to_be_visible()
        # Actual visits (the 3rd figure after the region: headcount, target, actual) match
        # the logs.
        expect(region_row.locator("td").nth(2)).to_have_text(str(raw_visits(region.pk, week, end)))
    expect(table.get_by_test_id("total-row")).to_contain_text("合计")
    # All 23 columns fit an office screen (1280 px): nothing to scroll sideways to.
    assert page.viewport_size["width"] == 1280
    assert table.locator("xpath=..").evaluate("box => box.scrollWidth <= box.clientWidth")
    assert not unreadable_chart_texts(page)

    # Download the Excel file and read it back.
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    ws = workbook.active
    assert {"A2:A3", "B2:B3", "C2:F2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(row=3, column=c).value for c in range(3, 7)] == [
        "标准",
        "实际",
        "完成率",
        "人均",
    ]
    assert ws.cell(row=ws.max_row, column=1).value == "合计"
    total_visits = sum(raw_visits(r.pk, week, end) for r in demo_branch.regions)
    assert ws.cell(row=ws.max_row, column=4).value == total_visits

    # Drill into a region, then into one of its account managers.
    region = demo_branch.regions[0]
    page.get_by_test_id(f"row-{region.name}").get_by_role("link", name=region.name).click()
    expect(page.get_by_role("heading", name=f"{region.name} · 按客户经理")).to_be_visible()
    first_person = page.get_by_test_id("summary-table").locator("tbody tr").first
    name = first_person.locator("th").first.inner_text().strip()
    first_person.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=f"{name} · {region.name}")).to_be_visible()
    expect(page.get_by_test_id("member-logs").locator("tbody tr").first).to_be_visible()


def test_branch_head_reads_the_trend_on_a_phone(demo_branch, live_server, login, new_page):
    page = login(new_page(**PHONE), demo_branch.branch.head)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_test_id("summary-table")).to_be_visible()
    assert not unreadable_chart_texts(page)


@pytest.mark.parametrize(("language", "hinted"), [("en", True), ("zh-hans", False)])
def test_a_wide_screen_is_told_the_summary_scrolls_when_it_does(
    org, live_server, login, new_page, language, hinted
):
    """At 1280 px the Chinese summary fits, and the note that it scrolls sideways was
    hidden on every wide screen; the English one is 1,580 px wide, and its task
    completion and on-time rates were off screen with nothing saying so."""
    from django.conf import settings

    page = login(new_page(viewport={"width": 1280, "height": 800}), org.branch_head)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/reports/")
    hint = page.get_by_test_id("scroll-hint")
    if hinted:
        expect(hint).to_be_visible()
    else:
        expect(hint).to_be_hidden()
    box = page.get_by_test_id("summary-table").evaluate(
        "t => t.parentElement.scrollWidth > t.parentElement.clientWidth"
    )
    assert box == hinted
