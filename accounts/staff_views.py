"""Staff import and export pages; admins only (everyone else gets 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.lists import joined

from . import selectors
from .models import StaffImport, StaffImportStatus
from .staff_export import staff_export_workbook
from .staff_forms import StaffConfirmForm, StaffUploadForm
from .staff_import import (
    ROLE_LABELS,
    STATUS_ACTIVE,
    STATUS_LEFT,
    UploadRefused,
    describe_org_changes,
    error_report,
    preview_shown,
    staff_import_cancel,
    staff_import_confirm,
    staff_import_create,
    staff_import_recover,
    template_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUNNING = {
    StaffImportStatus.QUEUED_CHECK,
    StaffImportStatus.CHECKING,
    StaffImportStatus.QUEUED_IMPORT,
    StaffImportStatus.IMPORTING,
}


def _admin_only(request) -> None:
    if not selectors.is_admin(request.user):
        raise PermissionDenied


def _get_import(request, pk: int, *, recover: bool = False) -> StaffImport:
    _admin_only(request)
    job = get_object_or_404(StaffImport.objects.select_related("created_by", "confirmed_by"), pk=pk)
    # A step whose worker died is released when someone looks at it.
    if recover and job.status in RUNNING and staff_import_recover(pks=[pk]):
        job.refresh_from_db()
    return job


def _download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def staff_import(request):
    _admin_only(request)
    form = StaffUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = staff_import_create(
                user=request.user,
                name=form.cleaned_data["file"].name,
                data=form.cleaned_data["data"],
                full_sync=form.cleaned_data["full_sync"],
            )
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("accounts:staff_import_detail", pk=job.pk)
    staff_import_recover()
    history = StaffImport.objects.select_related("created_by", "confirmed_by")[:20]
    return render(
        request,
        "accounts/staff_import.html",
        {
            "form": form,
            "history": history,
            # What the 角色 and 状态 cells take, said before the upload rather than as a
            # row's error after it (the template's drop-downs offer the same).
            "role_words": joined(ROLE_LABELS.values()),
            "status_active": STATUS_ACTIVE,
            "status_left": STATUS_LEFT,
        },
    )


@require_GET
@login_required
def staff_import_detail(request, pk: int):
    job = _get_import(request, pk, recover=True)
    form = StaffConfirmForm(needs_password=job.new_count > 0)
    return render(request, "accounts/staff_import_detail.html", _detail_context(job, form))


def _detail_context(job: StaffImport, form) -> dict:
    levels = [notice.get("level") if isinstance(notice, dict) else "" for notice in job.notices]
    return {
        "job": job,
        "form": form,
        "running": job.status in RUNNING,
        **preview_shown(job.preview),
        # A column that looks like ours but was not read: never say "nothing would change".
        "unread_columns": "warning" in levels,
        "row_warnings": [n for n, level in zip(job.notices, levels, strict=True) if level == "row"],
        # Confirmed once and given back (its worker died, or never got the message).
        "cancellable": job.status == StaffImportStatus.READY and job.confirmed_by_id is not None,
        "org_changes": describe_org_changes(
            job.org_changes, done=job.status == StaffImportStatus.DONE
        ),
        "percent": int(100 * job.processed_rows / job.total_rows) if job.total_rows else 0,
    }


@require_POST
@login_required
def staff_import_confirm_view(request, pk: int):
    job = _get_import(request, pk)
    if job.status != StaffImportStatus.READY:
        messages.warning(request, _("This import is not waiting for confirmation."))
        return redirect("accounts:staff_import_detail", pk=job.pk)
    if request.POST.get("action") == "cancel":
        if staff_import_cancel(staff_import=job, user=request.user):
            messages.success(request, _("The import was cancelled; nothing was imported."))
        else:
            messages.warning(request, _("This import is not waiting for confirmation."))
        return redirect("accounts:staff_import_detail", pk=job.pk)
    form = StaffConfirmForm(request.POST, needs_password=job.new_count > 0)
    if not form.is_valid():
        return render(request, "accounts/staff_import_detail.html", _detail_context(job, form))
    staff_import_confirm(
        staff_import=job,
        user=request.user,
        initial_password=form.cleaned_data.get("initial_password", ""),
    )
    return redirect("accounts:staff_import_detail", pk=job.pk)


@require_GET
@login_required
def staff_import_progress(request, pk: int):
    job = _get_import(request, pk, recover=True)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "processed": job.processed_rows,
            "total": job.total_rows,
            "running": job.status in RUNNING,
        }
    )


@require_GET
@login_required
def staff_import_errors(request, pk: int):
    job = _get_import(request, pk)
    if not job.errors or not job.file:
        raise Http404
    content, extension = error_report(job)
    content_type = XLSX if extension == "xlsx" else "text/csv; charset=utf-8"
    return _download(content, f"staff-import-{job.pk}-errors.{extension}", content_type)


@require_GET
@login_required
def staff_import_template(request):
    _admin_only(request)
    return _download(template_workbook(), "staff-import-template.xlsx")


@require_GET
@login_required
def staff_export(request):
    _admin_only(request)
    day = timezone.localdate().isoformat()
    return _download(staff_export_workbook(), f"staff-{day}.xlsx")
