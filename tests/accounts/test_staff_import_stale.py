"""A preview is what the admin approves: one worked out before another import changed
the staff can no longer be confirmed (QA: a stale preview moved someone it never showed)."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Region, StaffImport, StaffImportStatus, User
from accounts.staff_import import _stale_notice, staff_import_confirm
from tests.accounts.staff_sheets import new_org_rows, person, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = {"initial_password": "Footwork-start-2026"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, rows) -> StaffImport:
    client.post(
        reverse("accounts:staff_import"),
        {"file": SimpleUploadedFile("staff.xlsx", xlsx(rows), content_type=XLSX)},
    )
    return StaffImport.objects.latest("pk")


def confirm(client, job: StaffImport):
    return client.post(reverse("accounts:staff_import_confirm", args=[job.pk]), PASSWORD)


def rows_with(no: str, **changes):
    """new_org_rows with one person's row rewritten."""
    rows = new_org_rows()
    index = next(i for i, row in enumerate(rows) if row[0] == no)
    keys = ["no", "name", "mobile", "email", "role", "branch", "area", "region", "manager"]
    current = dict(zip(keys, rows[index], strict=False))
    current.update(changes)
    rows[index] = person(
        current["no"],
        current["name"],
        role=current["role"],
        branch=current["branch"],
        area=current["area"],
        region=current["region"],
        manager=current["manager"],
        mobile=current["mobile"],
        email=current["email"],
    )
    return rows


@pytest.fixture
def admin(org, client_for):
    client = client_for(org.admin)
    confirm(client, upload(client, new_org_rows()))
    assert User.objects.filter(employee_no="M003").exists()
    return client


def region_of(no: str) -> str:
    return User.objects.get(employee_no=no).memberships.get(end_date=None).region.name


@pytest.mark.django_db
class TestStalePreview:
    def test_a_preview_older_than_a_confirmed_import_is_refused(self, admin):
        # QA's sequence: file A (a region typo) waits, file B is uploaded and confirmed.
        stale = upload(admin, rows_with("M003", region="二區"))
        assert stale.status == StaffImportStatus.READY
        newer = upload(admin, rows_with("M004", mobile="13900000099"))
        confirm(admin, newer)
        newer.refresh_from_db()
        assert newer.status == StaffImportStatus.DONE

        stale.refresh_from_db()
        page = admin.get(reverse("accounts:staff_import_detail", args=[stale.pk]))
        assert b'data-testid="confirm-import"' not in page.content
        assert stale.notices[-1] in page.content.decode()

        response = confirm(admin, stale)
        assert response.status_code == 302
        assert list(get_messages(response.wsgi_request))  # says it is not confirmable
        stale.refresh_from_db()
        assert stale.status == StaffImportStatus.STALE
        assert stale.confirmed_by is None and not stale.password_hash
        assert region_of("M003") == "二区"
        assert not Region.objects.filter(name="二區").exists()

    def test_the_notice_tells_the_admin_to_upload_again(self, admin):
        stale = upload(admin, rows_with("M003", region="二區"))
        confirm(admin, upload(admin, rows_with("M004", mobile="13900000099")))
        stale.refresh_from_db()
        # In the uploader's language, as the other notices of the check.
        assert stale.language == "zh-hans"
        assert stale.notices[-1] == _stale_notice("zh-hans")
        assert "Upload the file again" in _stale_notice("en")

    def test_the_same_file_uploaded_again_can_be_confirmed(self, admin):
        upload(admin, rows_with("M003", region="二區"))
        confirm(admin, upload(admin, rows_with("M004", mobile="13900000099")))
        again = upload(admin, rows_with("M003", region="二區"))
        assert again.status == StaffImportStatus.READY
        confirm(admin, again)
        again.refresh_from_db()
        assert again.status == StaffImportStatus.DONE
        assert region_of("M003") == "二區"

    def test_an_import_that_changed_nothing_leaves_other_previews_valid(self, admin):
        waiting = upload(admin, rows_with("M003", region="二區"))
        unchanged = upload(admin, new_org_rows())
        confirm(admin, unchanged)
        waiting.refresh_from_db()
        assert waiting.status == StaffImportStatus.READY
        confirm(admin, waiting)
        waiting.refresh_from_db()
        assert waiting.status == StaffImportStatus.DONE

    def test_a_preview_still_marked_ready_is_refused_by_the_service(self, admin, org):
        # E.g. a preview finished while the other import was being confirmed.
        waiting = upload(admin, rows_with("M003", region="二區"))
        StaffImport.objects.create(
            created_by=org.admin,
            confirmed_by=org.admin,
            file_name="other.xlsx",
            import_date=timezone.localdate(),
            status=StaffImportStatus.DONE,
            finished_at=timezone.now(),
            updated_count=1,
        )
        assert not staff_import_confirm(staff_import=waiting, user=org.admin)
        waiting.refresh_from_db()
        assert waiting.status == StaffImportStatus.STALE
        assert region_of("M003") == "二区"

    def test_a_check_finishing_while_another_import_runs_is_out_of_date(self, admin, org):
        StaffImport.objects.create(
            created_by=org.admin,
            confirmed_by=org.admin,
            file_name="running.xlsx",
            import_date=timezone.localdate(),
            status=StaffImportStatus.IMPORTING,
        )
        job = upload(admin, rows_with("M003", region="二區"))
        assert job.status == StaffImportStatus.STALE
        page = admin.get(reverse("accounts:staff_import_detail", args=[job.pk]))
        assert b'data-testid="confirm-import"' not in page.content
