"""An admin fixes a bad staff sheet from the error report alone, then imports it."""

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import StaffImport, StaffImportStatus, User
from tests.accounts.staff_sheets import new_org_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INITIAL = "Footwork-start-2026"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_admin_imports_staff_after_fixing_the_error_report(
    org, login, new_page, tmp_path, live_server
):
    page = login(new_page(), org.admin)
    page.get_by_test_id("nav-staff-import").click()

    # 1. The template: our headers, filled in by the admin.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-template").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["工号", "姓名", "手机"]
    sheet.delete_rows(2)  # the example row
    rows = new_org_rows()
    rows[5][2] = "1380013"  # M002's mobile is too short: Excel row 7
    for row in rows:
        sheet.append(row)
    bad = tmp_path / "staff.xlsx"
    workbook.save(bad)

    # 2. Upload: nothing written, the error names row, column and value.
    page.locator("#id_file").set_input_files(str(bad))
    page.get_by_test_id("upload").click()
    errors = page.get_by_test_id("error-table")
    expect(errors).to_contain_text("7")
    expect(errors).to_contain_text("手机")
    expect(errors).to_contain_text("1380013")
    assert not User.objects.filter(employee_no="M001").exists()

    # 3. The error report: the same sheet with an error column on row 7.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-errors").click()
    report = tmp_path / "errors.xlsx"
    download_info.value.save_as(report)
    fixed_book = load_workbook(report)
    fixed = fixed_book.active
    error_column = len(headers) + 1
    assert "手机" in fixed.cell(row=7, column=error_column).value
    assert fixed.cell(row=6, column=error_column).value is None

    # 4. Fix the row from the report, drop the error column, upload again.
    fixed.cell(row=7, column=3).value = "13900000006"
    fixed.delete_cols(error_column)
    good = tmp_path / "staff-fixed.xlsx"
    fixed_book.save(good)
    page.get_by_test_id("nav-staff-import").click()
    page.locator("#id_file").set_input_files(str(good))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("count-new")).to_have_text("8")
    expect(page.get_by_test_id("preview")).to_contain_text("M002")
    expect(page.get_by_test_id("org-changes")).to_contain_text("新分公司")  # above the rows

    # 5. Confirm with the initial password for the new staff.
    page.locator("#id_initial_password").fill(INITIAL)
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    assert StaffImport.objects.filter(status=StaffImportStatus.DONE).count() == 1

    # 6. A new regional manager logs in with it, and first replaces it: everyone in the
    # file got the same one.
    newcomer = User.objects.get(employee_no="R001")
    other = login(new_page(), newcomer, password=INITIAL)
    expect(other.get_by_role("heading", name="修改密码")).to_be_visible()
    other.locator("#id_old_password").fill(INITIAL)
    other.locator("#id_new_password1").fill("qu-jing-yi 2026")
    other.locator("#id_new_password2").fill("qu-jing-yi 2026")
    other.get_by_role("button", name="修改密码").click()
    # Straight on to their work: the sign-off queue.
    expect(other.get_by_text("密码已修改")).to_be_visible()
    expect(other.get_by_role("button", name="区经一")).to_be_visible()
    assert other.url.endswith(reverse("activity:queue"))


def test_progress_bar_follows_a_running_import_and_shows_the_result(
    org, login, new_page, live_server
):
    from django.utils import timezone

    job = StaffImport.objects.create(
        created_by=org.admin,
        file_name="big.xlsx",
        import_date=timezone.localdate(),
        status=StaffImportStatus.IMPORTING,
        total_rows=10_000,
        processed_rows=2_000,
    )
    page = login(new_page(), org.admin)
    page.goto(f"{live_server.url}/staff/import/{job.pk}/")
    bar = page.get_by_test_id("progress-bar")
    expect(bar).to_have_text("2000 / 10000")
    StaffImport.objects.filter(pk=job.pk).update(processed_rows=7_500)  # the worker moves on
    expect(bar).to_have_text("7500 / 10000")
    StaffImport.objects.filter(pk=job.pk).update(
        processed_rows=10_000, status=StaffImportStatus.DONE, new_count=10_000
    )
    expect(page.get_by_test_id("import-done")).to_be_visible()  # the page reloaded itself
    expect(page.get_by_test_id("count-new")).to_have_text("10000")
