import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as org
from activity.selectors import with_metric_counts
from planning import periods
from planning.calendar import years_without_holidays

from . import excel, selectors, tasks
from .forms import PeriodForm
from .models import RollupTrigger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The branch whose summary a head of several branches last looked at: the menu's link and
# an export without ?branch= follow it, not the first branch by name.
SESSION_BRANCH = "reports_branch"


def _branch_for(request, form: PeriodForm):
    """The branch whose summary to show: the one asked for if the user sees it (404 if
    not), else the one they last looked at, else their first."""
    branches = list(selectors.branches_for_summary(request.user))
    if not branches:
        raise PermissionDenied(
            org.not_placed_reason(request.user) or _("The weekly summary is for managers.")
        )
    # QA: with a mistyped date the branch asked for was dropped with the period, and a
    # head of two branches was shown (and exported) the first one. The branch is read
    # whether or not the period is valid.
    form.is_valid()
    asked = getattr(form, "cleaned_data", {}).get("branch")
    if asked:
        branch = next((b for b in branches if b.pk == asked), None)
        if branch is None:
            raise Http404
        if len(branches) > 1 and request.session.get(SESSION_BRANCH) != branch.pk:
            request.session[SESSION_BRANCH] = branch.pk
        return branch, branches
    remembered = request.session.get(SESSION_BRANCH)
    branch = next((b for b in branches if b.pk == remembered), branches[0])
    return branch, branches


def _summary(request):
    form = PeriodForm(request.GET or None)
    branch, branches = _branch_for(request, form)
    start, end = form.period()
    summary = selectors.branch_summary(user=request.user, branch=branch, start=start, end=end)
    form.first_day = org.first_day_of(org.regions_visible_to(request.user).filter(branch=branch))
    return form, branch, branches, summary


@require_GET
@login_required
def summary(request):
    form, branch, branches, summary = _summary(request)
    sort = request.GET.get("sort", "")
    last_closed = periods.week_start(timezone.localdate()) - datetime.timedelta(weeks=1)
    weeks, series = selectors.trend(user=request.user, branch=branch, last_week=last_closed)
    return render(
        request,
        "reports/summary.html",
        {
            "form": form,
            "summary": summary,
            "span_kind": selectors.span_kind(summary.start, summary.end),
            "rows": _sorted(request, summary.rows, summary.metrics),
            "sort": sort,
            "branches": branches,
            "chart": selectors.completion_chart(weeks, series),
            "phone_chart": selectors.completion_chart(
                weeks, series, width=340, height=200, label_every=3
            ),
            "can_recompute": summary.from_snapshot and _may_recompute(request.user, branch),
            "holidays_unknown_years": years_without_holidays(branch.pk, summary.start, summary.end),
            "running": _is_running(summary.end),
            "query": request.GET.urlencode(),
            # A branch set up today has nothing in the default period (up to yesterday).
            "today_url": _today_url(branch) if summary.end < timezone.localdate() else "",
        },
    )


def _sorted(request, rows, metrics):
    """The rows in the order the page's column links asked for (?sort=), the page's and
    its Excel file's alike."""
    sort = request.GET.get("sort", "")
    return selectors.sort_rows(rows, sort, metrics) if sort else rows


def _today_url(branch) -> str:
    today = timezone.localdate().isoformat()
    query = urlencode({"branch": branch.pk, "start": today, "end": today})
    return f"{reverse('reports:summary')}?{query}"


def _may_recompute(user, branch) -> bool:
    return org.is_admin(user) or branch.head_id == user.pk


@require_GET
@login_required
def summary_export(request):
    _form, branch, _branches, summary = _summary(request)
    title = {
        "week": _("%(branch)s weekly summary by region %(start)s~%(end)s"),
        "month": _("%(branch)s monthly summary by region %(start)s~%(end)s"),
        "": _("%(branch)s summary by region %(start)s~%(end)s"),
    }[selectors.span_kind(summary.start, summary.end)] % {
        "branch": f"{branch.name} {summary.part}".rstrip(),
        "start": summary.start,
        "end": summary.end,
    }
    workbook = excel.summary_workbook(
        title=title,
        sheet_name=f"{summary.start}~{summary.end}",
        first_header=_("Region"),
        metrics=summary.metrics,
        # In the order on screen: sorted by task completion, the weakest region on top.
        rows=_sorted(request, summary.rows, summary.metrics),
        total=summary.total,
        labels=_excel_labels(),
        highlight_below=_highlight(summary.highlight_below, summary.end),
    )
    return _xlsx(workbook, f"summary-{summary.start}-{summary.end}.xlsx")


def _is_running(end: datetime.date) -> bool:
    """A period with days still to come: its rows are not marked yet (completion grows)."""
    return end >= timezone.localdate()


def _highlight(threshold, end: datetime.date):
    """The page marks the rows under the threshold once the period is over: so does its
    file."""
    return None if _is_running(end) else threshold


def _excel_labels() -> dict:
    return {
        "headcount": _("Headcount"),
        "target": _("Target"),
        "actual": _("Actual"),
        "completion": _("Completion"),
        "per_head": _("Per head"),
        "score": _("Task completion"),
        "on_time": _("Logs on time"),
        "signed_on_time": _("Signed off on time"),
        "coverage": _("%(label)s (%(coverage)s)"),
        "covered_part": _("on %(done)s"),
        "empty": _("Nothing to show for this period."),
    }


def _xlsx(workbook, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response


def _region_period(request, region_id: int):
    region = org.get_region_for_user(request.user, region_id)
    form = PeriodForm(request.GET or None)
    form.first_day = region.created_on
    start, end = form.period()
    return region, form, start, end


@require_GET
@login_required
def region_detail(request, region_id: int):
    region, form, start, end = _region_period(request, region_id)
    rows, total = selectors.member_rows(region=region, start=start, end=end)
    region_row = selectors.region_line(region=region, start=start, end=end, total=total)
    sort = request.GET.get("sort", "")
    metrics = [cell.metric for cell in total.cells]
    return render(
        request,
        "reports/region.html",
        {
            "region": region,
            "form": form,
            "start": start,
            "end": end,
            "rows": _sorted(request, rows, metrics),
            "total": total,
            "region_row": region_row,
            "metrics": metrics,
            "sort": sort,
            # The branch's threshold, as on the summary (was 80 whatever the branch set).
            "highlight_below": selectors.highlight_below(region.branch_id),
            "holidays_unknown_years": years_without_holidays(region.branch_id, start, end),
            # December's drill-down was titled 周总结 in the browser tab.
            "span_kind": selectors.span_kind(start, end),
            "running": _is_running(end),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def region_export(request, region_id: int):
    region, _form, start, end = _region_period(request, region_id)
    rows, total = selectors.member_rows(region=region, start=start, end=end)
    region_row = selectors.region_line(region=region, start=start, end=end, total=total)
    title = {
        "week": _("%(region)s weekly summary by account manager %(start)s~%(end)s"),
        "month": _("%(region)s monthly summary by account manager %(start)s~%(end)s"),
        "": _("%(region)s summary by account manager %(start)s~%(end)s"),
    }[selectors.span_kind(start, end)] % {
        "region": region.name,
        "start": start,
        "end": end,
    }
    workbook = excel.summary_workbook(
        title=title,
        sheet_name=f"{start}~{end}",
        first_header=_("Account manager"),
        metrics=[cell.metric for cell in total.cells],
        rows=_sorted(request, rows, [cell.metric for cell in total.cells]),
        total=total,
        region_row=region_row,
        labels=_excel_labels(),
        highlight_below=_highlight(selectors.highlight_below(region.branch_id), end),
    )
    return _xlsx(workbook, f"region-{region.pk}-{start}-{end}.xlsx")


@require_GET
@login_required
def member_detail(request, region_id: int, user_id: int):
    region, form, start, end = _region_period(request, region_id)
    member = next(
        (m.user for m in org.members_during([region.pk], start, end) if m.user_id == user_id), None
    )
    if member is None:
        raise Http404
    metrics = selectors.metrics_of_period(region=region, start=start, end=end)
    logs = with_metric_counts(
        list(selectors.member_logs(region=region, member_id=member.pk, start=start, end=end)),
        metrics,
    )
    return render(
        request,
        "reports/member.html",
        {
            "region": region,
            "member": member,
            "logs": logs,
            "total": selectors.member_total(logs, metrics),
            "metrics": metrics,
            "start": start,
            "end": end,
            "form": form,
        },
    )


@require_POST
@login_required
def recompute(request):
    form = PeriodForm(request.POST)
    branch, _branches = _branch_for(request, form)
    if not _may_recompute(request.user, branch):
        raise PermissionDenied(_("Only the branch head or an administrator can recompute."))
    week = periods.week_start(form.period()[0])
    transaction.on_commit(
        lambda: tasks.rollup_branch_week.delay(
            branch.pk, week.isoformat(), RollupTrigger.MANUAL, request.user.pk
        ),
        robust=True,
    )
    messages.success(
        request, _("Recomputing the week of %(week)s; reload in a moment.") % {"week": week}
    )
    end = week + datetime.timedelta(days=6)
    return redirect(f"{reverse('reports:summary')}?branch={branch.pk}&start={week}&end={end}")
