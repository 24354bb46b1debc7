"""Target import: admins only, as the staff import; everyone else 403, anonymous and
deactivated users → login."""

from planning.models import TargetImport
from tests.matrix import Row, anyone, everyone

ADMIN_ONLY = everyone(403, admin=200)


def _job(org, variant):
    # "foreign": an import someone else confirmed; admins share the import history.
    owner = org.admin if variant == "own" else org.other_branch_head
    job = TargetImport.objects.create(
        created_by=owner, file_name="targets.xlsx", file_path=f"imports/targets/{variant}.xlsx"
    )
    return {"pk": job.pk}


ROWS = [
    Row("planning:target_import", expect=ADMIN_ONLY),
    # An empty upload re-renders the form with its error.
    Row("planning:target_import", method="post", expect=ADMIN_ONLY),
    Row("planning:target_import_template", expect=ADMIN_ONLY),
    Row("planning:target_import_template", method="post", expect=anyone(405)),
    Row("planning:target_import_confirm", expect=anyone(405)),
    # Without a checked file's token: back to the import page with a message.
    Row("planning:target_import_confirm", method="post", expect=everyone(403, admin=302)),
    # A large import's progress and outcome, saved by the worker.
    Row("planning:target_import_status", kwargs=_job, expect=ADMIN_ONLY, foreign=ADMIN_ONLY),
    Row(
        "planning:target_import_status",
        method="post",
        kwargs=_job,
        expect=anyone(405),
        foreign=anyone(405),
    ),
]
