import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as org
from accounts.models import Role
from config.converters import FIRST_DAY, is_supported_year

from . import periods, selectors, services
from .calendar import years_without_holidays
from .forms import (
    BreakdownForm,
    CoachingForm,
    MonthlyAgreeForm,
    MonthlyGoalForm,
    MonthTargetsForm,
    SheetReasonForm,
    TrackedItemFieldsForm,
    TrackedItemForm,
    TrackedItemUpdateForm,
    WeeklyReviewForm,
    cell_name,
)
from .models import PeriodKind, Target
from .services import SheetChangedError, SheetTransitionError
from .ui import (
    breakdown_layout,
    date_param,
    metric_param,
    monthly_initial,
    trend_context,
    weekly_initial,
)

# The plans page's lists of what waits for a manager: each a page of this many.
WAITING_PER_PAGE = 20


@require_GET
@login_required
def index(request):
    """AMs go to their own plan; managers and admins pick a region."""
    today = timezone.localdate()
    if selectors.home_region(request.user, today) is not None:
        return redirect("planning:member", user_id=request.user.pk)
    pacings = [
        selectors.region_pacing(region, today)
        for region in org.regions_signed_off_by(request.user)
        .open_on(today)
        .select_related("branch")
        .by_name()
    ]
    return render(
        request,
        "planning/index.html",
        {
            "regions": org.regions_visible_to(request.user)
            .open_on(today)
            .select_related("branch", "manager")
            .by_name(),
            # Paged, oldest first: an RM who fell behind had 1,800 reviews and sheets
            # here, a 240 KB page that took a second.
            "waiting_reviews": _page(
                request,
                selectors.reviews_waiting_for(request.user),
                "reviews",
                WAITING_PER_PAGE,
                anchor="#waiting",
            ),
            "waiting_sheets": _page(
                request,
                selectors.monthly_sheets_waiting_for(request.user),
                "sheets",
                WAITING_PER_PAGE,
                anchor="#waiting",
            ),
            "overdue_items": selectors.overdue_items(request.user, today),
            "not_handed_in": selectors.not_handed_in(request.user),
            "joining": org.membership_after(request.user, today)
            if request.user.role == Role.ACCOUNT_MANAGER
            else None,
            "pacing_by_region": pacings,
            "openable_members": selectors.members_openable_by(
                request.user, (row.member.pk for p in pacings for row in p.rows), today
            ),
            "today": today,
        },
    )


@require_POST
@login_required
def remind_not_handed_in(request):
    """The RM reminds the AMs of her regions who have not handed in (the plans page's
    card): the same people the card lists, worked out again here."""
    if not org.regions_signed_off_by(request.user).exists():
        raise PermissionDenied(_("Only the regional manager of a region reminds its people."))
    sent = services.not_handed_in_remind(
        missing=selectors.not_handed_in(request.user), day=timezone.localdate()
    )
    if sent:
        messages.success(
            request, ngettext("%(n)d reminder sent.", "%(n)d reminders sent.", sent) % {"n": sent}
        )
    else:
        messages.info(request, _("Everyone listed was reminded today already."))
    return redirect("planning:index")


@require_GET
@login_required
def member(request, user_id: int):
    """One AM's plan: this month and week against the logs, trend, sheets."""
    today = timezone.localdate()
    person, region = selectors.get_member_for_user(request.user, user_id, today)
    is_self = person.pk == request.user.pk
    # Only the sheets the viewer may open: someone who moved here keeps the sheets filed
    # in her old region, which its managers see and her new ones do not (a link would 404).
    reviews = list(
        selectors.weekly_reviews_visible_to(request.user)
        .filter(author=person)
        .order_by("-week_start")[:8]
    )
    # On a Monday the review due is last week's; at a month's end, next month's sheet.
    last_week = periods.week_start(today) - datetime.timedelta(weeks=1)
    next_month = selectors.latest_sheet_month(today)
    last_week_open = is_self and not any(
        r.week_start == last_week and not r.is_editable_by_author for r in reviews
    )
    if last_week_open:
        # Someone who joined this week has no last week to review; nor does anyone a
        # week off (春节), whose review still opens from the weekly page's address.
        last_region = selectors.region_during(
            person, last_week, last_week + datetime.timedelta(days=6)
        )
        last_week_open = last_region is not None and selectors.review_owed(
            last_region.branch_id, last_week
        )
    return render(
        request,
        "planning/member.html",
        {
            "person": person,
            "region": region,
            "is_self": is_self,
            "last_week": last_week if last_week_open else None,
            "next_month": next_month if next_month > periods.month_start(today) else None,
            "can_set_targets": selectors.can_set_targets(request.user, region.pk),
            "month": selectors.am_sheet(
                person, region, PeriodKind.MONTH, periods.month_start(today), today
            ),
            "week": selectors.am_sheet(
                person, region, PeriodKind.WEEK, periods.week_start(today), today
            ),
            "reviews": reviews,
            "monthly_sheets": selectors.monthly_sheets_visible_to(request.user)
            .filter(author=person)
            .order_by("-month")[:6],
            "overdue_items": selectors.overdue_items(person, today)
            if person.pk == request.user.pk
            else [],
            "today": today,
            "holidays_unknown_years": years_without_holidays(
                region.branch_id,
                periods.month_start(today),
                periods.week_start(today) + datetime.timedelta(days=6),
            ),
            **trend_context(request, user=person, today=today),
        },
    )


@require_GET
@login_required
def region_plan(request, region_id: int):
    region = org.get_region_for_user(request.user, region_id)
    today = timezone.localdate()
    kind = PeriodKind.WEEK if request.GET.get("period") == "week" else PeriodKind.MONTH
    start = periods.period_start(kind, date_param(request, "start") or today)
    plan = selectors.region_plan(region, kind, start, today)
    return render(
        request,
        "planning/region.html",
        {
            "region": region,
            "plan": plan,
            "kind": kind,
            "previous": periods.period_start(kind, start - datetime.timedelta(days=1)),
            "next": periods.period_end(kind, start) + datetime.timedelta(days=1),
            "can_set_targets": selectors.can_set_targets(request.user, region.pk),
            "openable_members": selectors.members_openable_by(
                request.user, (row.member.pk for row in plan.rows), today
            ),
            "today": today,
            "holidays_unknown_years": years_without_holidays(
                region.branch_id, start, periods.period_end(kind, start)
            ),
            **trend_context(request, region=region, today=today),
        },
    )


def _breakdown(request, *, year: int, branch_id: int, can_edit: bool, subject: dict, title: str):
    if not is_supported_year(year):
        raise Http404
    metric = metric_param(request)
    existing = {
        cell_name(kind, start): value
        for kind, start, value in Target.objects.filter(
            metric=metric,
            period_start__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            **subject,
        ).values_list("period_kind", "period_start", "value")
    }
    mismatches = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the line managers of this region set its targets."))
        form = BreakdownForm(request.POST, year=year)
        action = request.POST.get("action", "check")
        if form.is_valid() and action == "propose":
            annual = form.values()[(PeriodKind.YEAR.value, datetime.date(year, 1, 1))] or 0
            proposal = selectors.breakdown_proposal(
                year, annual, selectors.breakdown_rules(branch_id, year)
            )
            data = request.POST.copy()
            for key, value in proposal.items():
                data[cell_name(*key)] = str(value)
            form = BreakdownForm(data, year=year)
            form.is_valid()
        if form.is_valid():
            mismatches = periods.reconcile(year, form.values())
            if action == "save":
                try:
                    changed = services.breakdown_save(
                        actor=request.user,
                        metric=metric,
                        year=year,
                        values=form.values(),
                        reason=form.cleaned_data["reason"],
                        **subject,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        ngettext("%(n)d target saved.", "%(n)d targets saved.", changed)
                        % {"n": changed},
                    )
                    return redirect(f"{request.path}?metric={metric.code}")
    else:
        form = BreakdownForm(initial=existing, year=year)
    return render(
        request,
        "planning/breakdown.html",
        {
            "form": form,
            "year": year,
            "metric": metric,
            "metrics": selectors.active_metrics(),
            "layout": breakdown_layout(form, year, mismatches),
            "mismatches": mismatches,
            "can_edit": can_edit,
            "title": title,
            "holidays_unknown_years": years_without_holidays(
                branch_id, datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            ),
            "history": selectors.target_history(
                user_ids=[subject["user"].pk] if "user" in subject else [],
                region_ids=[subject["region"].pk] if "region" in subject else [],
                start=datetime.date(year, 1, 1),
                end=datetime.date(year, 12, 31),
            ).filter(target__metric=metric)[:50],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def breakdown_region(request, region_id: int, year: int):
    region = org.get_region_for_user(request.user, region_id)
    return _breakdown(
        request,
        year=year,
        branch_id=region.branch_id,
        subject={"region": region},
        can_edit=selectors.can_set_targets(request.user, region.pk),
        title=region.name,
    )


@require_http_methods(["GET", "POST"])
@login_required
def breakdown_member(request, user_id: int, year: int):
    person, region = selectors.get_member_for_user(request.user, user_id, timezone.localdate())
    can_edit = person.pk != request.user.pk and selectors.can_set_targets(request.user, region.pk)
    return _breakdown(
        request,
        year=year,
        branch_id=region.branch_id,
        subject={"user": person},
        can_edit=can_edit,
        title=person.name,
    )


@require_http_methods(["GET", "POST"])
@login_required
def month_targets(request, user_id: int, month: datetime.date):
    """Set (or revise, with a reason) an AM's targets for one month."""
    month = periods.month_start(month)
    person, region = selectors.get_member_for_user(request.user, user_id, timezone.localdate())
    can_edit = person.pk != request.user.pk and selectors.can_set_targets(request.user, region.pk)
    metrics = selectors.active_metrics()
    current = dict(
        Target.objects.filter(
            user=person, period_kind=PeriodKind.MONTH, period_start=month
        ).values_list("metric_id", "value")
    )
    form = MonthTargetsForm(
        request.POST or None,
        metrics=metrics,
        initial={f"metric_{m}": v for m, v in current.items()},
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the line managers of this region set its targets."))
        if form.is_valid():
            try:
                services.month_targets_set(
                    actor=request.user,
                    user=person,
                    month=month,
                    values=form.counts(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Monthly targets saved."))
                return redirect("planning:month_targets", user_id=person.pk, month=month)
    history = selectors.target_history(user_ids=[person.pk], start=month, end=month).filter(
        target__period_kind=PeriodKind.MONTH
    )
    # A manager prepares next month's plan at the end of this one; further ahead the
    # targets would be guesses, so the links stop there (the URL itself still works).
    next_month = periods.add_months(month, 1)
    latest = periods.add_months(periods.month_start(timezone.localdate()), 1)
    previous_month = periods.add_months(month, -1)
    return render(
        request,
        "planning/month_targets.html",
        {
            "form": form,
            "person": person,
            "month": month,
            "can_edit": can_edit,
            "history": history,
            "previous_month": previous_month if previous_month >= FIRST_DAY else None,
            "next_month": next_month if next_month <= latest else None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def monthly_edit(request, month: datetime.date):
    """The AM's own monthly goal sheet: draft, save, submit."""
    latest = selectors.latest_sheet_month(timezone.localdate())
    if periods.month_start(month) > latest:
        messages.warning(
            request,
            _(
                "The goal sheet of %(month)s cannot be filled in yet: next month's sheet opens "
                "on day %(day)d of this month. Here is the sheet of %(latest)s."
            )
            % {
                "month": f"{month:%Y-%m}",
                "day": selectors.NEXT_MONTH_FROM_DAY,
                "latest": f"{latest:%Y-%m}",
            },
        )
        return redirect("planning:monthly_edit", month=latest)
    if month.day != 1:
        return redirect("planning:monthly_edit", month=periods.month_start(month))
    end = periods.period_end(PeriodKind.MONTH, month)
    region = selectors.region_during(request.user, month, end)
    if region is None:
        raise PermissionDenied(
            _(
                "You were not a member of any region in %(month)s, so there is no goal sheet "
                "to fill in."
            )
            % {"month": f"{month:%Y-%m}"}
        )
    sheet = selectors.own_monthly_sheet(request.user, month)
    if sheet is not None and sheet.status != "draft" and request.method != "POST":
        # A post still goes on: one from a page opened before it was submitted elsewhere
        # comes back with what was typed (services.monthly_sheet_save).
        return redirect("planning:monthly_detail", pk=sheet.pk)
    metrics = selectors.active_metrics()
    initial, prefilled_from, last_month = monthly_initial(
        request.user, month, sheet, region.branch_id
    )
    initial["revision"] = sheet.revision if sheet is not None else 0
    form = MonthlyGoalForm(request.POST or None, metrics=metrics, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            sheet = services.monthly_sheet_save(
                author=request.user,
                month=month,
                proposed=form.counts(),
                focus_items=form.cleaned_data["focus_items"],
                submit=submit,
                opened_revision=form.cleaned_data["revision"],
            )
        except SheetChangedError as error:
            _show_back(form, error)
        except SheetTransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Goal sheet submitted.") if submit else _("Draft saved."))
            return (
                redirect("planning:monthly_detail", pk=sheet.pk)
                if submit
                else redirect(request.path)
            )
    return render(
        request,
        "planning/monthly_edit.html",
        {
            "form": form,
            "sheet": sheet,
            "month": month,
            "prefilled_from": prefilled_from,
            "last_month": last_month,
            # A region with no regional manager yet: the sheet goes to the next one up.
            "agreed_by": selectors.sheet_agreed_by(region, request.user),
        },
    )


def _show_back(form, error: SheetChangedError) -> None:
    """A sheet's post that was not saved, as typed, saying why; it now carries the
    sheet's current revision, so saving it again (the other save seen) replaces it."""
    form.data = form.data.copy()
    form.data["revision"] = error.revision
    form.add_error(None, str(error))


@require_GET
@login_required
def monthly_detail(request, pk: int):
    sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
    return _monthly_detail_page(request, sheet)


def _monthly_detail_page(
    request, sheet, agree_form=None, change_form=None, reopen_form=None, status=200, not_saved=()
):
    """The sheet with, for its RM while it waits, the agree form; once agreed and while
    its month runs, the AM's "ask for a change" form and the RM's "reopen" form. A form
    passed in is a refused one, shown back with what was typed."""
    metrics = selectors.active_metrics()
    lines = {line.metric_id: line for line in sheet.lines.select_related("metric")}
    reviewer = selectors.can_review(request.user, sheet)
    can_review = reviewer and sheet.status == "submitted"
    if can_review and agree_form is None:
        agree_form = MonthlyAgreeForm(
            metrics=metrics,
            initial={f"metric_{m}": line.proposed for m, line in lines.items()}
            | {"revision": sheet.revision},
        )
    month_over = periods.period_end(PeriodKind.MONTH, sheet.month) < timezone.localdate()
    open_to_change = sheet.status == "agreed" and not month_over
    may_ask = (
        open_to_change and sheet.author_id == request.user.pk and not sheet.change_requested_at
    )
    return render(
        request,
        "planning/monthly_detail.html",
        {
            "sheet": sheet,
            # Its lines of metrics switched off since too: an agreed 折页 300 is part of it.
            "rows": [
                (m, lines.get(m.pk)) for m in selectors.with_metrics_of(metrics, lines.values())
            ],
            "actual": selectors.am_sheet(sheet.author, sheet.region, PeriodKind.MONTH, sheet.month),
            "month_over": month_over,
            "agree_form": agree_form if can_review else None,
            "change_form": (change_form or SheetReasonForm()) if may_ask else None,
            "reopen_form": (reopen_form or SheetReasonForm())
            if open_to_change and reviewer
            else None,
            "not_saved": not_saved,
            "waiting_left": selectors.monthly_sheets_waiting_for(request.user).count()
            if reviewer
            else None,
        },
        status=status,
    )


@require_POST
@login_required
def monthly_agree(request, pk: int):
    sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
    if not selectors.can_review(request.user, sheet):
        raise PermissionDenied(_("Only the regional manager of this sheet's region agrees it."))
    form = MonthlyAgreeForm(request.POST, metrics=selectors.active_metrics())
    if not form.is_valid():
        # Shown back as typed: a redirect put the AM's numbers back in the boxes, and a
        # second click agreed those instead of the RM's (QA: 拜访 138, typed 161).
        messages.error(request, _("Give a number for every metric."))
        return _monthly_detail_page(request, sheet, agree_form=form, status=200)
    try:
        services.monthly_sheet_agree(
            sheet=sheet,
            actor=request.user,
            agreed=form.counts(),
            comment=form.cleaned_data["comment"],
            opened_revision=form.cleaned_data["revision"],
        )
    except SheetChangedError as error:
        # What the RM typed, beside the figures the AM proposes now.
        _show_back(form, error)
        return _monthly_detail_page(request, sheet, agree_form=form)
    except SheetTransitionError as error:
        messages.error(request, str(error))
        sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
        comment = form.cleaned_data["comment"].strip()
        if comment and comment != sheet.manager_comment.strip():
            # Agreed first elsewhere (another tab) with another comment: this one to copy,
            # as a weekly review's coaching note is; a double click's is the one saved.
            return _monthly_detail_page(request, sheet, not_saved=[comment])
    else:
        return _on_to_the_next(
            request,
            selectors.monthly_sheets_waiting_for(request.user),
            "planning:monthly_detail",
            done=pk,
            next_text=lambda n: ngettext(
                "Goal sheet agreed; these are now the monthly targets. Here is the next "
                "goal sheet waiting for you (%(n)d left).",
                "Goal sheet agreed; these are now the monthly targets. Here is the next "
                "goal sheet waiting for you (%(n)d left).",
                n,
            ),
            none_text=_(
                "Goal sheet agreed; these are now the monthly targets. No other goal sheet "
                "is waiting for you."
            ),
        )
    return redirect("planning:monthly_detail", pk=pk)


def _on_to_the_next(request, waiting, url_name: str, *, done: int, next_text, none_text: str):
    """After agreeing a goal sheet or reviewing a weekly review, the next one waiting (the
    oldest first, as listed), as a sign-off goes on to the next log: an RM with a region
    of twelve went back to the list after each. None left: the page just handled, to see
    what was saved, with its way back to the list."""
    following = waiting.values_list("pk", flat=True).first()
    if following is None:
        messages.success(request, none_text)
        return redirect(url_name, pk=done)
    left = waiting.count()
    messages.success(request, next_text(left) % {"n": left})
    return redirect(url_name, pk=following)


def _refused_reason(request, pk: int, error: SheetTransitionError, reason: str):
    """A change asked for, a reopening or a keeping refused because the sheet moved on
    elsewhere (another tab, the other person): the sheet as it is now, with the reason
    typed here to copy; a redirect dropped it. One the sheet already carries (the first
    of two clicks saved it) is not repeated."""
    messages.error(request, str(error))
    sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
    if reason.strip() and reason.strip() not in selectors.sheet_reasons_held(sheet):
        return _monthly_detail_page(request, sheet, not_saved=[reason])
    return redirect("planning:monthly_detail", pk=pk)


@require_POST
@login_required
def monthly_request_change(request, pk: int):
    """The AM asks her RM to change her agreed sheet, saying why."""
    sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
    if sheet.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author of a goal sheet asks for it to be changed."))
    form = SheetReasonForm(request.POST)
    if form.is_valid():
        try:
            services.monthly_sheet_request_change(
                sheet=sheet, author=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
        except SheetTransitionError as error:
            return _refused_reason(request, pk, error, form.cleaned_data["reason"])
        else:
            messages.success(request, _("Your regional manager was asked to change the sheet."))
            return redirect("planning:monthly_detail", pk=pk)
    return _monthly_detail_page(request, sheet, change_form=form)


@require_POST
@login_required
def monthly_reopen(request, pk: int):
    """The RM reopens an agreed sheet for its author to change, or ("keep") answers her
    request for a change by keeping it as agreed; either with a reason."""
    sheet = selectors.get_monthly_sheet_for_user(request.user, pk)
    if not selectors.can_review(request.user, sheet):
        raise PermissionDenied(_("Only the regional manager of this sheet's region agrees it."))
    form = SheetReasonForm(request.POST)
    keep = "keep" in request.POST
    if form.is_valid():
        action = services.monthly_sheet_keep if keep else services.monthly_sheet_reopen
        try:
            action(sheet=sheet, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        except SheetTransitionError as error:
            return _refused_reason(request, pk, error, form.cleaned_data["reason"])
        else:
            messages.success(
                request,
                (
                    _("The sheet stays as agreed; %(name)s was told why.")
                    if keep
                    else _("Sheet reopened: %(name)s can change it and submit it again.")
                )
                % {"name": sheet.author.name},
            )
            return redirect("planning:monthly_detail", pk=pk)
    return _monthly_detail_page(request, sheet, reopen_form=form)


@require_http_methods(["GET", "POST"])
@login_required
def weekly_edit(request, week: datetime.date):
    """The AM's own weekly review and next week's plan."""
    today = timezone.localdate()
    latest = selectors.latest_review_week(today)
    if periods.week_start(week) > latest:
        # As the daily log does with a future day: back to the latest one, told why.
        messages.warning(
            request,
            _(
                "The week of %(week)s has not come yet. Here is this week's review: next "
                "week's plan is written in it."
            )
            % {"week": periods.week_start(week).isoformat()},
        )
        return redirect("planning:weekly_edit", week=latest)
    if week.weekday() != 0:
        return redirect("planning:weekly_edit", week=periods.week_start(week))
    region = selectors.region_during(request.user, week, week + datetime.timedelta(days=6))
    if region is None:
        raise PermissionDenied(
            _(
                "You were not a member of any region in the week of %(week)s, so there is no "
                "weekly review to write."
            )
            % {"week": week.isoformat()}
        )
    review = selectors.own_weekly_review(request.user, week)
    if review is not None and not review.is_editable_by_author and request.method != "POST":
        # A post still goes on: one from a page opened before it was submitted elsewhere
        # comes back with what was typed (services.weekly_review_save).
        return redirect("planning:weekly_detail", pk=review.pk)
    sheet = selectors.am_sheet(request.user, region, PeriodKind.WEEK, week, today)
    # While the week runs, a cause is asked where the AM is behind pace, as 我的计划
    # judges it; short of the whole week's target is everyone on a Tuesday (QA: every
    # metric asked for a cause while the plan page read 进度正常).
    running = today <= week + datetime.timedelta(days=6)
    short = [
        line.metric.pk
        for line in sheet.lines
        if (line.is_behind_pace if running else line.is_short)
    ]
    metrics = [line.metric for line in sheet.lines]
    submit = "submit" in request.POST
    form = WeeklyReviewForm(
        request.POST or None,
        metrics=metrics,
        short_metric_ids=short,
        prospects=selectors.prospects_of(request.user),
        submit=submit,
        initial={
            **weekly_initial(request.user, region, week, review, sheet),
            "revision": review.revision if review is not None else 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.weekly_review_save(
                author=request.user,
                week=week,
                fields=form.review_fields(),
                lines=form.line_inputs(),
                planned_visits=form.planned_visits(),
                short_metric_ids=short,
                submit=submit,
                opened_revision=form.cleaned_data["revision"],
            )
        except ValidationError as error:
            for metric_id, message in error.message_dict.items():
                form.add_error(f"cause_{metric_id}", message)
        except SheetChangedError as error:
            _show_back(form, error)
        except SheetTransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Weekly review submitted.") if submit else _("Draft saved.")
            )
            return (
                redirect("planning:weekly_detail", pk=review.pk)
                if submit
                else redirect(request.path)
            )
    return render(
        request,
        "planning/weekly_edit.html",
        {
            "form": form,
            "review": review,
            "week": week,
            "sheet": sheet,
            "running": running,
            "short_ids": short,
            "metric_rows": form.metric_rows(sheet.lines),
            "visit_checks": selectors.planned_visits_check(request.user, week),
            "comments": selectors.manager_comments(request.user, week, request.user),
            "deadline": selectors.review_deadline(
                selectors.branch_settings(region.branch_id), week
            ),
            "owed": selectors.review_owed(region.branch_id, week),
        },
    )


def _weekly_detail_page(
    request, review, coaching_form: CoachingForm | None = None, not_saved: list[str] = ()
):
    today = timezone.localdate()
    sheet = selectors.am_sheet(
        review.author, review.region, PeriodKind.WEEK, review.week_start, today
    )
    lines = {line.metric_id: line for line in review.lines.all()}
    reviewer = selectors.can_review(request.user, review)
    can_review = reviewer and review.status == "submitted"
    # Marked as the form judged it: while the week runs, behind pace; short of the whole
    # week's target is everyone on a Tuesday (the RM saw every line of a review handed in
    # as 进度正常 marked short).
    running = today <= review.week_start + datetime.timedelta(days=6)
    return render(
        request,
        "planning/weekly_detail.html",
        {
            "review": review,
            "rows": [
                (line, lines.get(line.metric.pk), line.is_behind_pace if running else line.is_short)
                for line in sheet.lines
            ],
            "running": running,
            "sheet": sheet,
            "planned": review.planned_visits.select_related("prospect"),
            "visit_checks": selectors.planned_visits_check(review.author, review.week_start),
            "comments": selectors.manager_comments(review.author, review.week_start, request.user),
            "coaching_form": (coaching_form if coaching_form is not None else CoachingForm())
            if can_review
            else None,
            "is_author": review.author_id == request.user.pk,
            "not_saved": not_saved,
            # Her way back to the list of what waits, and how much does.
            "waiting_left": selectors.reviews_waiting_for(request.user).count()
            if reviewer
            else None,
        },
    )


@require_GET
@login_required
def weekly_detail(request, pk: int):
    return _weekly_detail_page(request, selectors.get_weekly_review_for_user(request.user, pk))


@require_POST
@login_required
def weekly_review(request, pk: int):
    review = selectors.get_weekly_review_for_user(request.user, pk)
    if not selectors.can_review(request.user, review):
        raise PermissionDenied(_("Only the regional manager of this sheet's region reviews it."))
    form = CoachingForm(request.POST)
    if not form.is_valid():
        # The page again with the field's own error and the note as typed.
        return _weekly_detail_page(request, review, form)
    try:
        reviewed = services.weekly_review_review(
            review=review, actor=request.user, coaching_note=form.cleaned_data["coaching_note"]
        )
    except SheetTransitionError as error:
        messages.error(request, str(error))
        review = selectors.get_weekly_review_for_user(request.user, pk)
        note = form.cleaned_data["coaching_note"].strip()
        if note and note != review.coaching_note.strip():
            # Reviewed first elsewhere (another tab) with another note: the review as it
            # is now, with this note to copy; a redirect dropped it. A double click's
            # note is the one saved: nothing to show.
            return _weekly_detail_page(request, review, not_saved=[note])
    else:
        if not reviewed.next_week_targets_applied and reviewed.lines.exclude(
            next_week_target__isnull=True
        ):
            messages.warning(
                request,
                _(
                    "The week after this review is over, so its planned targets did not "
                    "become that week's targets."
                ),
            )
        return _on_to_the_next(
            request,
            selectors.reviews_waiting_for(request.user),
            "planning:weekly_detail",
            done=pk,
            next_text=lambda n: ngettext(
                "Review saved. Here is the next weekly review waiting for you (%(n)d left).",
                "Review saved. Here is the next weekly review waiting for you (%(n)d left).",
                n,
            ),
            none_text=_("Review saved. No other weekly review is waiting for you."),
        )
    return redirect("planning:weekly_detail", pk=pk)


# An RM hands down thousands of items a year: each list is paged, open items first.
ITEMS_PER_PAGE = 50


def _items_page(request, items, param: str):
    return _page(request, selectors.items_listed(items), param, ITEMS_PER_PAGE)


def _page(request, rows, param: str, per_page: int, *, anchor: str = ""):
    """One page of `rows`, its number in `param` of the address, with links to the pages
    before and after (each ending in `anchor`, the list's place on the page)."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    page.param = param

    def link(number: int) -> str:
        # Each list keeps its own page number in the address, beside the others'.
        query = request.GET.copy()
        query[param] = number
        return f"?{query.urlencode()}{anchor}"

    if page.has_previous():
        page.previous_link = link(page.previous_page_number())
    if page.has_next():
        page.next_link = link(page.next_page_number())
    return page


@require_GET
@login_required
def items(request):
    user = request.user
    mine = _items_page(request, selectors.items_visible_to(user).filter(assignee=user), "mine")
    handed_down = _items_page(request, selectors.items_handed_down(user), "handed")
    left_behind = _items_page(request, selectors.items_left_behind(user), "passed")
    org.tell_apart(item.assignee for item in [*handed_down, *left_behind])
    return render(
        request,
        "planning/items.html",
        {
            "mine": mine,
            "handed_down": handed_down,
            "left_behind": left_behind,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def item_create(request):
    form = TrackedItemForm(request.POST or None, people=selectors.assignable_people(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tracked_items_create(
                assigner=request.user,
                assignees=data["assignees"],
                title=data["title"],
                details=data["details"],
                due_date=data["due_date"],
                is_key=data["is_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Item saved."))
            return redirect("planning:items")
    return render(request, "planning/item_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def item_detail(request, pk: int):
    try:
        item = selectors.get_item_for_user(request.user, pk)
    except Http404:
        if not selectors.item_notified_to(request.user, pk):
            raise
        # Opened from the bell: a 404 for a link the app sent reads as a broken page.
        messages.info(
            request,
            _(
                "That item is no longer yours to follow: its assignee has moved since, and "
                "whoever manages them now follows it up."
            ),
        )
        return redirect("planning:items")
    form = TrackedItemUpdateForm(
        request.POST or None,
        initial={"status": item.status},
        statuses=services.item_status_choices(request.user, item),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tracked_item_update(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except SheetTransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item updated."))
            return redirect("planning:item_detail", pk=pk)
    return render(
        request,
        "planning/item_detail.html",
        {
            "item": item,
            "form": form,
            "notes": item.notes.select_related("author"),
            "can_edit": selectors.can_edit_item(request.user, item),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request, pk: int):
    """The assigner corrects title, details or due date of an item still open."""
    item = selectors.get_item_for_user(request.user, pk)
    if not selectors.can_edit_item(request.user, item):
        raise PermissionDenied(
            _(
                "Only the person who handed this item down (once they have left or no "
                "longer manage the assignee, the assignee's manager) may change it, while it is open."
            )
        )
    form = TrackedItemFieldsForm(
        request.POST or None,
        initial={"title": item.title, "details": item.details, "due_date": item.due_date},
        unchanged_due_date=item.due_date,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tracked_item_edit(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Item updated."))
            return redirect("planning:item_detail", pk=pk)
    return render(request, "planning/item_form.html", {"form": form, "item": item})
