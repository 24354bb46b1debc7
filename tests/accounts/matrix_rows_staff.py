"""Staff import/export: admins only; everyone else 403, anonymous and deactivated → login."""

from django.utils import timezone

from accounts.models import StaffImport, StaffImportStatus
from tests.matrix import Row, anyone, everyone

ADMIN_ONLY = everyone(403, admin=200)


def _job(status=StaffImportStatus.READY, **fields):
    def kwargs(org, variant):
        # "foreign": an import someone else uploaded; admins share the import history.
        owner = org.admin if variant == "own" else org.other_branch_head
        job = StaffImport.objects.create(
            created_by=owner,
            file_name="staff.xlsx",
            import_date=timezone.localdate(),
            status=status,
            **fields,
        )
        return {"pk": job.pk}

    return kwargs


ROWS = [
    Row("accounts:staff_import", expect=ADMIN_ONLY),
    # An empty upload re-renders the form with its error.
    Row("accounts:staff_import", method="post", expect=ADMIN_ONLY),
    Row("accounts:staff_import_template", expect=ADMIN_ONLY),
    Row("accounts:staff_import_template", method="post", expect=anyone(405)),
    Row("accounts:staff_export", expect=ADMIN_ONLY),
    Row("accounts:staff_export", method="post", expect=anyone(405)),
    Row("accounts:staff_import_detail", kwargs=_job(), expect=ADMIN_ONLY, foreign=ADMIN_ONLY),
    Row(
        "accounts:staff_import_detail",
        method="post",
        kwargs=_job(),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row("accounts:staff_import_progress", kwargs=_job(), expect=ADMIN_ONLY, foreign=ADMIN_ONLY),
    Row(
        "accounts:staff_import_progress",
        method="post",
        kwargs=_job(),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "accounts:staff_import_confirm",
        kwargs=_job(),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "accounts:staff_import_errors",
        method="post",
        kwargs=_job(),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    # A finished import is not confirmed again: the admin is sent back to it.
    Row(
        "accounts:staff_import_confirm",
        method="post",
        kwargs=_job(StaffImportStatus.DONE),
        expect=everyone(403, admin=302),
        foreign=everyone(403, admin=302),
    ),
    # No upload is kept for this import, so even the admin finds no report (404); the
    # download itself is tested in test_staff_import_views.py.
    Row(
        "accounts:staff_import_errors",
        kwargs=_job(
            StaffImportStatus.INVALID,
            errors=[{"row": 2, "column": "工号", "value": "", "message": "x"}],
        ),
        expect=everyone(403, admin=404),
        foreign=everyone(403, admin=404),
    ),
]
