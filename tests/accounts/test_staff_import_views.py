"""Staff import pages: upload → check → preview → confirm, errors, downloads."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import staff_import as si
from accounts.models import StaffImport, StaffImportStatus, User
from tests.accounts.staff_sheets import new_org_rows, xlsx, zip_bomb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, data, name="staff.xlsx", **extra):
    return client.post(
        reverse("accounts:staff_import"),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX), **extra},
    )


@pytest.mark.django_db
def test_the_page_says_what_the_role_and_status_cells_take(org, client_for):
    """An admin filling in HR's sheet learnt the words for 角色 and 状态 only from a row's
    error after uploading it."""
    html = client_for(org.admin).get(reverse("accounts:staff_import")).content.decode()
    said = html[html.index('data-testid="accepted-values"') :]
    said = said[: said.index("</p>")]
    for word in ("客户经理", "区域经理", "片区经理", "分公司负责人", "管理员", "在职", "离职"):
        assert word in said


@pytest.mark.django_db
class TestUpload:
    def test_it_works(self, org, client_for):
        client = client_for(org.admin)
        response = upload(client, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("accounts:staff_import_detail", args=[job.pk])
        page = client.get(response.url)
        assert page.status_code == 200
        assert page.context["job"].status == StaffImportStatus.READY
        assert b'data-testid="count-new">8<' in page.content
        assert "initial_password" in page.context["form"].fields

    def test_it_rejects_non_admins(self, org, client_for):
        response = upload(client_for(org.branch_head), xlsx(new_org_rows()))
        assert response.status_code == 403
        assert not StaffImport.objects.exists()

    def test_it_sends_anonymous_to_login(self, client):
        response = client.get(reverse("accounts:staff_import"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))

    def test_it_rejects_put(self, org, client_for):
        assert client_for(org.admin).put(reverse("accounts:staff_import")).status_code == 405

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("bomb.xlsx", zip_bomb()),
            ("text.xlsx", b"not a zip at all"),
            ("big.csv", b"a" * (5 * 1024 * 1024 + 1)),
            ("staff.exe", b"MZ"),
        ],
    )
    def test_refused_files_get_a_clear_message_not_a_500(self, org, client_for, name, data):
        response = upload(client_for(org.admin), data, name=name)
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
        assert not StaffImport.objects.exists()

    def test_history_query_budget(self, org, client_for, django_assert_max_num_queries):
        for n in range(5):
            StaffImport.objects.create(
                created_by=org.admin,
                confirmed_by=org.admin,
                file_name=f"f{n}.xlsx",
                import_date=timezone.localdate(),
                status=StaffImportStatus.DONE,
                new_count=n,
            )
        client = client_for(org.admin)
        # session + user, 1 for the history (uploader and confirmer joined), 1 for the
        # nav's managed_regions check; a little headroom for the middleware.
        with django_assert_max_num_queries(6):
            response = client.get(reverse("accounts:staff_import"))
        assert len(response.context["history"]) == 5


@pytest.mark.django_db
class TestDetailAndConfirm:
    def test_confirm_creates_the_staff(self, org, client_for, client):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        response = admin.post(
            reverse("accounts:staff_import_confirm", args=[job.pk]),
            {"initial_password": "Footwork-start-2026"},
        )
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == StaffImportStatus.DONE
        page = admin.get(reverse("accounts:staff_import_detail", args=[job.pk]))
        assert b'data-testid="import-done"' in page.content
        assert User.objects.filter(employee_no="M001", is_active=True).exists()

    def test_confirm_needs_a_valid_initial_password_for_new_staff(self, org, client_for):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        response = admin.post(
            reverse("accounts:staff_import_confirm", args=[job.pk]), {"initial_password": "123"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["initial_password"]
        job.refresh_from_db()
        assert job.status == StaffImportStatus.READY
        assert not User.objects.filter(employee_no="M001").exists()

    def test_a_crash_reads_as_what_to_do_in_the_admins_language(
        self, org, client_for, monkeypatch, caplog
    ):
        def boom(**kwargs):
            raise RuntimeError("no space left on /var/media")

        admin = client_for(org.admin)
        admin.post(reverse("set_language"), {"language": "en", "next": "/"})
        monkeypatch.setattr(si, "run_import", boom)
        response = upload(admin, xlsx(new_org_rows()))

        job = StaffImport.objects.get()
        assert job.status == StaffImportStatus.FAILED
        page = admin.get(response.url).content.decode()
        failed = page[page.index('data-testid="import-failed"') :]
        failed = failed[: failed.index("</div>")]
        assert "did not complete" in failed and "nothing was changed" in failed
        assert "Upload the file again" in failed and "IT support" in failed
        assert "RuntimeError" not in page and "/var/media" not in page
        # The exception and its traceback are in the log, under the import's id.
        crash = next(
            r for r in caplog.records if r.getMessage() == f"staff import {job.pk} crashed"
        )
        assert crash.exc_info and "/var/media" in str(crash.exc_info[1])

    def test_detail_rejects_non_admins_and_404s_unknown(self, org, client_for):
        job = StaffImport.objects.create(
            created_by=org.admin, file_name="f.xlsx", import_date=timezone.localdate()
        )
        url = reverse("accounts:staff_import_detail", args=[job.pk])
        assert client_for(org.rm).get(url).status_code == 403
        admin = client_for(org.admin)
        assert (
            admin.get(reverse("accounts:staff_import_detail", args=[job.pk + 99])).status_code
            == 404
        )
        assert admin.post(url).status_code == 405

    def test_confirm_rejects_get(self, org, client_for):
        job = StaffImport.objects.create(
            created_by=org.admin, file_name="f.xlsx", import_date=timezone.localdate()
        )
        url = reverse("accounts:staff_import_confirm", args=[job.pk])
        assert client_for(org.admin).get(url).status_code == 405

    def test_detail_query_budget(self, org, client_for, django_assert_max_num_queries):
        upload(client_for(org.admin), xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        client = client_for(org.admin)
        # session + user, 1 for the import (with uploader and confirmer), 1 for the nav.
        with django_assert_max_num_queries(5):
            response = client.get(reverse("accounts:staff_import_detail", args=[job.pk]))
        assert len(response.context["preview"]) == 8

    def test_progress_json(self, org, client_for):
        job = StaffImport.objects.create(
            created_by=org.admin,
            file_name="f.xlsx",
            import_date=timezone.localdate(),
            status=StaffImportStatus.IMPORTING,
            total_rows=10,
            processed_rows=4,
        )
        data = (
            client_for(org.admin)
            .get(reverse("accounts:staff_import_progress", args=[job.pk]))
            .json()
        )
        assert data["processed"] == 4 and data["total"] == 10 and data["running"] is True

    def test_running_import_page_shows_the_progress_bar(self, org, client_for):
        job = StaffImport.objects.create(
            created_by=org.admin,
            file_name="f.xlsx",
            import_date=timezone.localdate(),
            status=StaffImportStatus.CHECKING,
            total_rows=10,
            processed_rows=5,
        )
        page = client_for(org.admin).get(reverse("accounts:staff_import_detail", args=[job.pk]))
        # The width is set from data-width-percent by static/js/footwork.js: the CSP forbids style=.
        assert b'data-testid="progress-bar" data-width-percent="50"' in page.content
        assert b"js/staff_import.js" in page.content


@pytest.mark.django_db
class TestDownloads:
    def test_error_report(self, org, client_for):
        rows = new_org_rows()
        rows[2][2] = "12345"
        admin = client_for(org.admin)
        upload(admin, xlsx(rows))
        job = StaffImport.objects.get()
        page = admin.get(reverse("accounts:staff_import_detail", args=[job.pk]))
        assert b'data-testid="error-table"' in page.content
        response = admin.get(reverse("accounts:staff_import_errors", args=[job.pk]))
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        sheet = load_workbook(BytesIO(response.content)).active
        assert "手机" in sheet.cell(row=4, column=12).value

    def test_error_report_404_without_errors(self, org, client_for):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        assert admin.get(reverse("accounts:staff_import_errors", args=[job.pk])).status_code == 404

    def test_template_download(self, org, client_for):
        response = client_for(org.admin).get(reverse("accounts:staff_import_template"))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert load_workbook(BytesIO(response.content)).active["A1"].value == "工号"

    def test_non_admins_get_no_downloads(self, org, client_for):
        client = client_for(org.area_manager)
        assert client.get(reverse("accounts:staff_import_template")).status_code == 403
        assert client.get(reverse("accounts:staff_export")).status_code == 403

    def test_nav_shows_staff_import_to_admins_only(self, org, client_for):
        assert (
            b"nav-staff-import"
            in client_for(org.admin).get(reverse("accounts:staff_import")).content
        )
        page = client_for(org.branch_head).get(reverse("accounts:home"))
        assert b"nav-staff-import" not in page.content


@pytest.mark.django_db
class TestPreviewOfTheOrg:
    def test_new_units_are_listed_above_the_row_table(self, org, client_for):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        html = admin.get(reverse("accounts:staff_import_detail", args=[job.pk])).content.decode()
        assert 'data-testid="org-changes"' in html
        assert html.index('data-testid="org-changes"') < html.index('data-testid="preview"')
        block = html[html.index('data-testid="org-changes"') : html.index('data-testid="preview"')]
        assert "新分公司" in block and "二区" in block

    def test_the_status_column_has_a_header(self, org, client_for):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        html = admin.get(reverse("accounts:staff_import_detail", args=[job.pk])).content.decode()
        head = html[html.index('data-testid="preview"') :].split("</thead>", 1)[0]
        assert '<th scope="col">状态</th>' in head and "visually-hidden" not in head

    def test_a_too_short_initial_password_is_refused_in_chinese(self, org, client_for):
        admin = client_for(org.admin)
        upload(admin, xlsx(new_org_rows()))
        job = StaffImport.objects.get()
        response = admin.post(
            reverse("accounts:staff_import_confirm", args=[job.pk]), {"initial_password": "123"}
        )
        errors = response.context["form"].errors["initial_password"]
        assert errors[0] == "密码太短，至少需要 8 个字符。"
        assert "too short" not in response.content.decode()
