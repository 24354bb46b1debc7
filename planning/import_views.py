"""The annual target import: admins only (everyone else gets 403), as the staff import."""

import datetime
import uuid
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as org
from accounts.staff_import import UploadRefused
from activity.selectors import active_metrics

from .forms import TargetUploadForm
from .models import TargetImport, TargetImportStatus
from .target_import import (
    MAX_CELLS,
    TargetsChanged,
    async_threshold_cells,
    target_import_check,
    target_import_queue,
    target_import_recover,
    target_import_save,
    template_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SALT = "planning.target_import"
# A checked file waits this long for its confirmation.
TOKEN_MAX_AGE = 24 * 3600
KEPT_DIR = "imports/targets"


def _admin_only(request) -> None:
    if not org.is_admin(request.user):
        raise PermissionDenied


RUNNING = (TargetImportStatus.QUEUED, TargetImportStatus.RUNNING)


def _page(request, form, plan=None, *, token: str = "", name: str = ""):
    metrics = active_metrics()
    target_import_recover()  # a dead worker's import shows as failed in the history
    return render(
        request,
        "planning/target_import.html",
        {
            "form": form,
            "plan": plan,
            "token": token,
            "file_name": name,
            "metric_names": [m.name for m in metrics],
            # A row of every metric sets 69 targets (the year, 4 quarters, 12 months, 52
            # weeks): about this many rows fit in one import.
            "max_rows": MAX_CELLS // (69 * max(len(metrics), 1)),
            "async_rows": async_threshold_cells() // (69 * max(len(metrics), 1)),
            "in_background": plan is not None and plan.cells > async_threshold_cells(),
            "history": TargetImport.objects.select_related("created_by")[:20],
        },
    )


def _purge_kept_files() -> None:
    """Files checked but never confirmed: their tokens have expired."""
    try:
        _dirs, files = default_storage.listdir(KEPT_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - datetime.timedelta(seconds=TOKEN_MAX_AGE)
    # A confirmed file waiting for the worker is the worker's to delete.
    waiting = set(
        TargetImport.objects.filter(status__in=RUNNING).values_list("file_path", flat=True)
    )
    for name in files:
        path = f"{KEPT_DIR}/{name}"
        if path not in waiting and default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _checked(request, form, plan, name: str, data: bytes):
    """The preview of a file without errors, its bytes kept for the confirmation."""
    if plan.errors:
        return _page(request, form, plan, name=name)
    _purge_kept_files()
    path = default_storage.save(
        f"{KEPT_DIR}/{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", ContentFile(data)
    )
    token = signing.dumps(
        {"path": path, "name": name, "fp": plan.fingerprint, "cells": plan.cells}, salt=SALT
    )
    return _page(request, form, plan, token=token, name=name)


@require_http_methods(["GET", "POST"])
@login_required
def target_import(request):
    _admin_only(request)
    form = TargetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, data = form.cleaned_data["file"].name, form.cleaned_data["data"]
        try:
            plan = target_import_check(name=name, data=data)
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            return _checked(request, form, plan, name, data)
    return _page(request, form)


@require_POST
@login_required
def target_import_confirm(request):
    _admin_only(request)
    try:
        kept = signing.loads(request.POST.get("token", ""), salt=SALT, max_age=TOKEN_MAX_AGE)
        with default_storage.open(kept["path"], "rb") as handle:
            data = handle.read()
    except (signing.BadSignature, OSError):
        messages.warning(
            request, _("This check is too old or was already imported: upload the file again.")
        )
        return redirect("planning:target_import")
    if kept.get("cells", 0) > async_threshold_cells():
        # Too long for a request: the worker checks it again and saves it.
        job = target_import_queue(
            actor=request.user,
            name=kept["name"],
            path=kept["path"],
            fingerprint=kept["fp"],
            cells=kept["cells"],
        )
        return redirect("planning:target_import_status", pk=job.pk)
    form = TargetUploadForm()
    try:
        plan = target_import_save(
            actor=request.user, name=kept["name"], data=data, fingerprint=kept["fp"]
        )
    except TargetsChanged:
        default_storage.delete(kept["path"])
        messages.warning(
            request,
            _(
                "Targets of these regions or people changed since the check: check what the file changes now, then confirm again."
            ),
        )
        return _checked(
            request, form, target_import_check(name=kept["name"], data=data), kept["name"], data
        )
    default_storage.delete(kept["path"])
    if plan.errors:
        return _page(request, form, plan, name=kept["name"])
    messages.success(
        request,
        ngettext(
            "Imported: %(n)d target saved.", "Imported: %(n)d targets saved.", plan.counts["saved"]
        )
        % {"n": plan.counts["saved"]},
    )
    return redirect("planning:target_import")


@require_GET
@login_required
def target_import_status(request, pk: int):
    _admin_only(request)
    job = get_object_or_404(TargetImport.objects.select_related("created_by"), pk=pk)
    # An import whose worker died is failed when someone looks at it.
    if job.status in RUNNING and target_import_recover(pks=[pk]):
        job.refresh_from_db()
    return render(
        request,
        "planning/target_import_status.html",
        {"job": job, "running": job.status in RUNNING},
    )


@require_GET
@login_required
def target_import_template(request):
    _admin_only(request)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="target-import-template.xlsx"'
    return response
