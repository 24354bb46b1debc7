"""An admin imports a sheet of annual targets and finds them on the breakdown page."""

import datetime

import pytest
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import expect

from planning.models import PeriodKind, Target
from planning.selectors import breakdown_proposal, breakdown_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_admin_uploads_previews_confirms_and_the_breakdown_shows_it(
    org, login, new_page, tmp_path, live_server, today
):
    year = today.year + 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["年度", "区域", "工号", "姓名", "拜访", "折页"])
    sheet.append([year, "东", "", "", 2400, 1200])
    sheet.append([year, "东", org.am.employee_no, "张三", 600, None])
    path = tmp_path / "目标.xlsx"
    workbook.save(path)

    page = login(new_page(), org.admin)
    page.get_by_test_id("nav-target-import").click()
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_test_id("upload").click()

    # The preview: what changes, and nothing saved yet.
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("张三")
    expect(preview).to_contain_text("2400")
    expect(page.get_by_test_id("preview-counts")).to_contain_text("3")
    assert not Target.objects.exists()

    page.get_by_test_id("confirm").click()
    expect(page.locator(".alert-success")).to_be_visible()

    # The region's breakdown page shows the year and its proposed quarters.
    proposal = breakdown_proposal(year, 2400, breakdown_rules(org.branch.pk, year))
    first_quarter = proposal[(PeriodKind.QUARTER, datetime.date(year, 1, 1))]
    page.goto(
        live_server.url
        + reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": year})
        + "?metric=visits"
    )
    expect(page.locator(f'input[name="year_{year}-01-01"]')).to_have_value("2400")
    expect(page.locator(f'input[name="quarter_{year}-01-01"]')).to_have_value(str(first_quarter))
    expect(page.get_by_text("目标.xlsx").first).to_be_visible()


def test_a_large_file_is_saved_in_the_background_and_its_page_tells(
    org, login, new_page, tmp_path, settings, today
):
    # Two annual numbers are 138 targets: "large" here. The worker runs eagerly in tests.
    settings.TARGET_IMPORT_ASYNC_CELLS = 100
    year = today.year + 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["年度", "区域", "拜访", "折页"])
    sheet.append([year, "东", 2400, 1200])
    path = tmp_path / "分公司.xlsx"
    workbook.save(path)

    page = login(new_page(), org.admin)
    page.get_by_test_id("nav-target-import").click()
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("in-background")).to_be_visible()
    page.get_by_test_id("confirm").click()

    expect(page.get_by_test_id("import-done")).to_contain_text("138")
    assert Target.objects.filter(region=org.region).count() == 138
    page.get_by_role("link", name="← 目标导入").click()
    expect(page.get_by_test_id("import-history")).to_contain_text("分公司.xlsx")
