import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as org
from accounts.models import Role
from config.converters import parse_day, parse_month
from config.forms import FreeTextField
from config.limits import FREE_TEXT_MAX_LENGTH
from config.lists import joined
from planning import selectors as planning_selectors
from planning.calendar import rules_for

from . import reminders, selectors, services
from .forms import (
    BulkSignOffForm,
    CommentForm,
    DailyLogForm,
    ProspectForm,
    ReasonForm,
    VisitFormSet,
    visit_initial,
    visits_from_formset,
)
from .models import LogStatus
from .services import LogTransitionError


@require_GET
@login_required
def today(request):
    return redirect("activity:log_edit", day=timezone.localdate())


@require_http_methods(["GET", "POST"])
@login_required
def log_edit(request, day: datetime.date):
    """The author's own log for `day`: create, save as draft, submit."""
    if day > timezone.localdate():
        messages.error(request, _("You cannot fill in a log for a future day."))
        return redirect("activity:today")
    log = selectors.own_log(request.user, day)
    membership = org.membership_on(request.user, day) if log is None else None
    if log is None and membership is None:
        joining = org.membership_after(request.user, day)
        # Back from a week of leave (entered as a gap between memberships), not joining:
        # "none to fill in before" told her she had never been here.
        away = joining is not None and org.membership_while_away(request.user, day) is not None
        if joining is not None and day == timezone.localdate() and request.method == "GET":
            # A joiner's first login, before her hire date: where she lands, not a refusal.
            return render(request, "activity/not_started.html", {"joining": joining, "away": away})
        if away:
            raise PermissionDenied(
                _(
                    "You are back in region %(region)s on %(start)s: there is no daily log "
                    "to fill in while you are away."
                )
                % {"region": joining.region.name, "start": joining.start_date.isoformat()}
            )
        if joining is not None:
            raise PermissionDenied(
                _(
                    "You join region %(region)s on %(start)s: there is no daily log to fill "
                    "in before that."
                )
                % {"region": joining.region.name, "start": joining.start_date.isoformat()}
            )
        raise PermissionDenied(
            _(
                "You are not a member of any region on this day, so there is no daily log to "
                "fill in. Ask your administrator to add you to your region."
            )
        )
    locked = log is not None and not log.is_editable_by_author
    if locked and request.method != "POST":
        return redirect("activity:log_detail", pk=log.pk)
    counts = selectors.counts_by_metric(log) if log else {}
    metrics = selectors.metrics_of_log(counts)
    data = request.POST if request.method == "POST" else None
    form = DailyLogForm(data, instance=log, metrics=metrics, counts=counts)
    conflict = data is not None and (locked or form.opened_before(log))
    if conflict and _repeats_what_was_saved(request, log, form):
        # The first of two taps on "submit" (or a retried post) saved this very form.
        return _after_save(request, log, submitted=locked)
    if conflict:
        # Another tab or phone saved (or submitted) this log since this page was opened:
        # show what was typed here rather than drop it or overwrite the other save.
        data = data.copy()
        data["revision"] = log.revision if log is not None else 0
        form = DailyLogForm(data, instance=log, metrics=metrics, counts=counts)
        form.is_valid()  # cleaned first, so the typed values come back with their errors
        form.add_error(
            None,
            _(
                "This log was submitted from another page or phone after you opened this "
                "one, so what you typed here was not saved. It is shown below: copy what "
                "you need, and ask your regional manager to return the log to change it."
            )
            if locked
            else _(
                "This log was saved from another page or phone after you opened this one, "
                "so what you typed here was not saved yet. Check it below: saving again "
                "replaces the other save with it."
            ),
        )
    # A post carries the whole list of visits. Without initial data: an added visit equal
    # to one stored meanwhile (another phone) would count as "unchanged" and be dropped.
    formset = VisitFormSet(
        data,
        initial=visit_initial(log) if data is None else None,
        prefix="visits",
        form_kwargs={"owner": request.user},
    )
    submit = "submit" in request.POST
    valid = data is not None and not conflict and form.is_valid() and formset.is_valid()
    visits = visits_from_formset(formset) if valid else []
    if valid and (not submit or _ready_to_submit(request.user, day, form, visits)):
        try:
            saved = services.daily_log_save(
                author=request.user,
                log_date=day,
                fields=form.log_fields(),
                counts=form.counts(),
                visits=visits,
                submit=submit,
            )
        except (ValidationError, LogTransitionError) as error:
            saved_meanwhile = selectors.own_log(request.user, day)
            if isinstance(error, LogTransitionError) and _repeats_what_was_saved(
                request, saved_meanwhile, form
            ):
                # Two taps raced: the other post saved this very form a moment ago.
                return _after_save(request, saved_meanwhile, submitted=submit)
            form.add_error(
                None, error.messages if isinstance(error, ValidationError) else str(error)
            )
        else:
            return _after_save(request, saved, submitted=submit)
    is_today = day == timezone.localdate()
    context = {
        "form": form,
        "formset": formset,
        "log": log,
        "day": day,
        "metrics": metrics,
        "is_today": is_today,
        "locked": locked,
        "conflict": conflict,
        # Handed in after its due day, a log is marked late (补交): say so before, not after.
        "will_be_late": (log is None or log.submitted_at is None)
        and services.handed_in_late(
            day, timezone.now(), branch_id=(log.region if log else membership.region).branch_id
        ),
    }
    if is_today:
        # Today's log is the AM's home page: their month's pace and overdue items.
        region = log.region if log else membership.region
        context["pacing"] = planning_selectors.pacing_for(
            request.user, region=region, metrics=metrics
        )
        context["overdue_items"] = planning_selectors.overdue_items(request.user)
        # A log the RM returned is the AM's to correct: the bell alone was easy to miss.
        context["returned_logs"] = selectors.returned_logs(request.user).exclude(date=day)
    return render(request, "activity/log_edit.html", context)


def _ready_to_submit(user, day, form, visits) -> bool:
    """The checks of handing in, each saying what it found on the page at once."""
    counted = form.check_visits_counted(len(visits))
    plausible = form.check_counts_plausible(selectors.usual_counts(user, day), records=len(visits))
    return counted and plausible


def _repeats_what_was_saved(request, log, form) -> bool:
    """Whether a post that looks out of date carries exactly what `log` holds now, in the
    state it asked for (submitted, or a draft)."""
    if log is None or ("submit" in request.POST) != (log.status == LogStatus.SUBMITTED):
        return False
    formset = VisitFormSet(request.POST, prefix="visits", form_kwargs={"owner": request.user})
    return (
        form.is_valid()
        and formset.is_valid()
        and selectors.log_holds(
            log,
            fields=form.log_fields(),
            counts=form.counts(),
            visits=visits_from_formset(formset),
        )
    )


def _after_save(request, log, *, submitted: bool):
    if not submitted:
        messages.success(request, _("Draft saved."))
        return redirect("activity:log_edit", day=log.date)
    signer = selectors.log_submitted_to(log)
    if signer is None:
        messages.warning(
            request,
            _(
                "Log submitted, but your region has no regional manager yet, so "
                "nobody can sign it off. Tell your administrator."
            ),
        )
    elif signer.pk == log.region.manager_id:
        messages.success(request, _("Log submitted to your regional manager."))
    else:  # the region has no regional manager: the next manager up signs
        messages.success(
            request, _("Log submitted to %(name)s for sign-off.") % {"name": signer.name}
        )
    return redirect("activity:log_detail", pk=log.pk)


@require_GET
@login_required
def log_detail(request, pk: int):
    try:
        log = selectors.get_log_for_user(request.user, pk)
    except Http404:
        moved = selectors.log_told_of_out_of_reach(request.user, pk)
        if moved is None:
            raise
        # Still not found for her (404), but she learns where it went and who signs it.
        return render(request, "activity/log_moved.html", {"moved": moved}, status=404)
    return _render_detail(request, log)


def _render_detail(request, log, *, comment_form=None, reason_form=None, not_saved=()):
    can_act = org.can_sign_off(request.user, log)
    home = {}
    if log.author_id == request.user.pk and log.date == timezone.localdate():
        # Today's handed-in log is the AM's home page too: the month's pace, overdue items.
        home = {
            "pacing": planning_selectors.pacing_for(request.user),
            "overdue_items": planning_selectors.overdue_items(request.user),
            # Handing in today's log does not settle an earlier one sent back.
            "returned_logs": selectors.returned_logs(request.user).exclude(pk=log.pk),
        }
    values = sorted(log.values.all(), key=lambda v: (v.metric.order, v.metric_id))
    visits_counted, visits_recorded = selectors.visits_counted_and_recorded(log, values)
    return render(
        request,
        "activity/log_detail.html",
        {
            **home,
            "log": log,
            "values": values,
            "visits_counted": visits_counted,
            "visits_recorded": visits_recorded,
            "can_act": can_act,
            "show_phones": org.can_see_contact_details(
                request.user, owner_id=log.author_id, region_id=log.region_id
            ),
            "comment_form": comment_form or CommentForm(),
            "reason_form": reason_form or ReasonForm(),
            "not_saved": not_saved,
        },
    )


def _transition_view(request, pk: int, form_class, action):
    """Shared by sign-off, return and reopen: check the right, run the transition.

    Returns the response when it failed, None when it succeeded. A refused form comes
    back on the log's page with its error and with what was typed in both boxes: the
    comment and the reason are posted together (one form, two buttons), so a return
    without a reason does not lose the comment written first.
    """
    log = selectors.get_log_for_user(request.user, pk)
    if not org.can_sign_off(request.user, log):
        raise PermissionDenied(_("Only the regional manager of this log's region may do that."))
    form = form_class(request.POST)
    # The other box comes back as typed, unjudged: only the clicked button's box counts.
    forms = {
        "comment_form": CommentForm(initial={"comment": request.POST.get("comment", "")}),
        "reason_form": ReasonForm(initial={"reason": request.POST.get("reason", "")}),
        "comment_form" if form_class is CommentForm else "reason_form": form,
    }
    if not form.is_valid():
        return _render_detail(request, log, **forms)
    try:
        action(log=log, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_detail(request, log, **forms)
    except LogTransitionError as error:
        # Acted on first elsewhere (another tab, the queue's bulk sign-off): the log as it
        # is now, with what was typed here to copy; a redirect dropped a long 批示. Text
        # the log holds already (the first of two clicks saved it) is not repeated.
        messages.error(request, str(error))
        log = selectors.get_log_for_user(request.user, pk)
        # Compared as stored: a box posts its line breaks as \r\n, which the log holds
        # as \n (FreeTextField), so a two-line 批示 sent twice read as one not saved.
        held = {log.manager_comment.strip(), log.return_reason.strip()}
        as_stored = FreeTextField(required=False).clean
        typed = (as_stored(request.POST.get(name, "")) for name in ("comment", "reason"))
        not_saved = [text for text in typed if text and text not in held]
        if not_saved:
            return _render_detail(request, log, **forms, not_saved=not_saved)
        return redirect("activity:log_detail", pk=pk)
    return None


def _on_to_the_next_log(request, *, signed_off: bool):
    """After a sign-off or a return, the next waiting log in the queue's order: an RM
    reads, comments and signs log after log without going back to the list. The queue
    when none is left."""
    waiting = selectors.sign_off_queue(request.user)
    following = waiting.values_list("pk", flat=True).first()
    if following is None:
        messages.success(
            request,
            _("Log signed off. No other log is waiting for you.")
            if signed_off
            else _("Log returned to its author for correction. No other log is waiting for you."),
        )
        return redirect("activity:queue")
    left = waiting.count()
    if signed_off:
        text = ngettext(
            "Log signed off. Here is the next waiting log (%(n)d left).",
            "Log signed off. Here is the next waiting log (%(n)d left).",
            left,
        )
    else:
        text = ngettext(
            "Log returned to its author for correction. Here is the next waiting log (%(n)d left).",
            "Log returned to its author for correction. Here is the next waiting log (%(n)d left).",
            left,
        )
    messages.success(request, text % {"n": left})
    return redirect("activity:log_detail", pk=following)


@require_POST
@login_required
def log_sign_off(request, pk: int):
    refused = _reason_typed_for_a_sign_off(request, pk)
    if refused:
        return refused
    failed = _transition_view(request, pk, CommentForm, services.daily_log_sign_off)
    if failed:
        return failed
    return _on_to_the_next_log(request, signed_off=True)


def _reason_typed_for_a_sign_off(request, pk: int):
    """A sign-off posted with a reason for returning typed beside it: the page back, both
    texts kept, asking which was meant. QA (phone): an RM typed why the log goes back and
    tapped the first button, 签批: the log was signed off and the reason dropped.
    None when there is no reason, or when the log cannot be returned now (handled
    meanwhile, or its author has left): the sign-off goes on as usual."""
    if not FreeTextField(required=False).clean(request.POST.get("reason", "")):
        return None  # (a box holding only a pasted zero-width space is empty too)
    log = selectors.get_log_for_user(request.user, pk)
    if not org.can_sign_off(request.user, log):
        raise PermissionDenied(_("Only the regional manager of this log's region may do that."))
    if log.status != LogStatus.SUBMITTED or not log.author.is_active:
        return None
    reason_form = ReasonForm(request.POST)
    reason_form.is_valid()
    reason_form.add_error(
        "reason",
        _(
            "You wrote a reason for returning this log. To return it, tap “Return for "
            "correction”; to sign it off, clear the reason first."
        ),
    )
    comment_form = CommentForm(request.POST)
    comment_form.is_valid()  # a comment too long says so too, at once
    return _render_detail(request, log, comment_form=comment_form, reason_form=reason_form)


@require_POST
@login_required
def log_return(request, pk: int):
    # The 批示 typed beside the reason goes back with it (QA: an answer to the AM's
    # request for a joint visit was dropped without a word).
    comment = CommentForm(request.POST)
    comment = comment.cleaned_data["comment"] if comment.is_valid() else ""

    def return_with_comment(**kwargs):
        return services.daily_log_return(comment=comment, **kwargs)

    failed = _transition_view(request, pk, ReasonForm, return_with_comment)
    if failed:
        return failed
    return _on_to_the_next_log(request, signed_off=False)


@require_POST
@login_required
def log_reopen(request, pk: int):
    failed = _transition_view(request, pk, ReasonForm, services.daily_log_reopen)
    if failed:
        return failed
    messages.success(request, _("Log reopened; its author can correct it now."))
    return redirect("activity:log_detail", pk=pk)


@require_GET
@login_required
def my_logs(request):
    today_ = timezone.localdate()
    # A month that has not begun has no days to list: it reads as this month.
    month = min(_month_param(request) or today_, today_).replace(day=1)
    days = selectors.month_history(request.user, month, today_)
    logs = [d.log for d in days if d.log]
    metrics = selectors.metrics_of_logs(logs)
    selectors.with_metric_counts(logs, metrics)
    previous_month = (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return render(
        request,
        "activity/my_logs.html",
        {
            "days": days,
            "month": month,
            "previous_month": previous_month
            if selectors.has_history_before(request.user, month)
            else None,
            "next_month": next_month if next_month <= today_ else None,
            "metrics": metrics,
        },
    )


def _month_param(request) -> datetime.date | None:
    return parse_month(request.GET.get("month", ""))


def _require_signing_manager(user) -> None:
    if not selectors.signs_off_logs(user):
        if user.role == Role.REGIONAL_MANAGER:
            raise PermissionDenied(org.not_placed_reason(user))
        raise PermissionDenied(_("The sign-off queue is for regional managers."))


# The queue page shows the oldest logs first and at most this many: a manager back from
# weeks away would otherwise get thousands of rows (seconds to render, megabytes to load).
QUEUE_PAGE_SIZE = 100


@require_GET
@login_required
def queue(request):
    _require_signing_manager(request.user)
    waiting = selectors.sign_off_queue(request.user)
    logs = list(waiting[:QUEUE_PAGE_SIZE])
    metrics = selectors.metrics_of_logs(logs)
    logs = selectors.with_metric_counts(logs, metrics)
    org.tell_apart(log.author for log in logs)
    regions = list(org.regions_signed_off_by(request.user).by_name())
    region_pacings = [planning_selectors.region_pacing(region) for region in regions]
    return render(
        request,
        "activity/queue.html",
        {
            "logs": logs,
            "waiting": waiting.count() if len(logs) == QUEUE_PAGE_SIZE else len(logs),
            "metrics": metrics,
            "regions": regions,
            "today": timezone.localdate(),
            "week_start": selectors.week_start(timezone.localdate()),
            # The RM's page: each AM's pace this month, and overdue items.
            "region_pacings": region_pacings,
            "openable_members": planning_selectors.members_openable_by(
                request.user,
                (row.member.pk for pacing in region_pacings for row in pacing.rows),
                timezone.localdate(),
            ),
            "overdue_items": planning_selectors.overdue_items(request.user),
            # An AM made RM lands here, not on the log page: a log of her AM days returned
            # to her is hers to correct, and nobody signs it until she does.
            "returned_logs": selectors.returned_logs(request.user),
            # Her home page: the reviews and goal sheets waiting too, the first a click away
            # (they were only on the plans page, found by going there).
            "review_ids": list(
                planning_selectors.reviews_waiting_for(request.user).values_list("pk", flat=True)
            ),
            "sheet_ids": list(
                planning_selectors.monthly_sheets_waiting_for(request.user).values_list(
                    "pk", flat=True
                )
            ),
            # After a refused bulk sign-off: the 统一批示 and the ticks as posted.
            **request.session.pop(BULK_TYPED, {"comment": "", "ticked": []}),
        },
    )


BULK_TYPED = "bulk_sign_off_typed"


def _back_to_queue_as_typed(request):
    """The queue again after a refused bulk sign-off, with what was posted. QA (phone):
    签批所选 with no log ticked came back with the 统一批示 typed for the region gone."""
    request.session[BULK_TYPED] = {
        "comment": request.POST.get("comment", "")[: FREE_TEXT_MAX_LENGTH * 2],
        "ticked": [int(pk) for pk in request.POST.getlist("logs") if pk.isdigit()][:1000],
    }
    return redirect("activity:queue")


@require_POST
@login_required
def bulk_sign_off(request):
    _require_signing_manager(request.user)
    form = BulkSignOffForm(request.POST, scope=selectors.logs_signed_off_by(request.user))
    if not form.is_valid():
        # Every error, the comment's too (its length): a refused sign-off said nothing.
        for error in form.errors.get("logs", []):
            messages.error(request, error)
        for error in form.errors.get("comment", []):
            messages.error(
                request,
                _("%(field)s: %(error)s") % {"field": form.fields["comment"].label, "error": error},
            )
        return _back_to_queue_as_typed(request)
    try:
        done = services.daily_logs_sign_off(
            logs=form.cleaned_data["logs"], actor=request.user, comment=form.cleaned_data["comment"]
        )
    except LogTransitionError as error:  # nothing was signed: the queue again, told why
        messages.error(request, str(error))
        return _back_to_queue_as_typed(request)
    if done.signed:
        n = len(done.signed)
        messages.success(
            request, ngettext("%(n)d log signed off.", "%(n)d logs signed off.", n) % {"n": n}
        )
    if done.asking_for_help:
        n = len(done.asking_for_help)
        text = ngettext(
            "Not signed off, because it asks you for a joint visit or support: %(logs)s. "
            "Open it to answer, then sign it off.",
            "Not signed off, because they ask you for a joint visit or support: %(logs)s. "
            "Open each to answer, then sign it off.",
            n,
        )
        messages.warning(request, text % {"logs": _named_logs(done.asking_for_help)})
    if done.not_waiting:
        n = len(done.not_waiting)
        text = ngettext(
            "Already handled on another page, so left as it was: %(logs)s.",
            "Already handled on another page, so left as they were: %(logs)s.",
            n,
        )
        messages.info(request, text % {"logs": _named_logs(done.not_waiting)})
    return redirect("activity:queue")


def _named_logs(logs) -> str:
    """Logs as the queue lists them (name and day), so each is found there again."""
    org.tell_apart(log.author for log in logs)
    return joined(f"{log.author.listed_name} {log.date:%m-%d}" for log in logs)


@require_GET
@login_required
def week_grid(request, region_id: int):
    region = org.get_region_for_user(request.user, region_id)
    today_ = timezone.localdate()
    this_week = selectors.week_start(today_)
    # A week that has not begun has nothing to show or sign: it reads as this week.
    start = min(selectors.week_start(parse_day(request.GET.get("week", "")) or today_), this_week)
    rules = rules_for(region.branch_id, start, start + datetime.timedelta(days=6))
    return render(
        request,
        "activity/week_grid.html",
        {
            "region": region,
            "rows": selectors.week_grid(region, start, today_, rules=rules),
            "days": selectors.week_grid_days(rules, start),
            "start": start,
            # A region set up this week (a branch's first) has no week before to show.
            "previous_week": start - datetime.timedelta(days=7)
            if region.existed_by(start - datetime.timedelta(days=1))
            else None,
            "next_week": start + datetime.timedelta(days=7) if start < this_week else None,
            "today": today_,
        },
    )


PROSPECTS_PER_PAGE = 50


@require_GET
@login_required
def prospect_list(request):
    query = request.GET.get("q", "").strip()
    prospects = selectors.prospects_matching(request.user, query)
    # Paged: 400 prospects on one page were 25,000 px of phone screen.
    page = Paginator(prospects, PROSPECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "activity/prospect_list.html",
        {"prospects": page, "page": page, "q": query},
    )


@require_http_methods(["GET", "POST"])
@login_required
def prospect_edit(request, pk: int | None = None):
    prospect = selectors.get_own_prospect(request.user, pk) if pk else None
    form = ProspectForm(request.POST or None, instance=prospect)
    if request.method == "POST" and form.is_valid() and form.changed_elsewhere():
        form.add_error(
            None,
            _(
                "This prospect was saved on another page (or by a log's visit) after you "
                "opened this one, so what you typed here was not saved yet. It now holds "
                "%(saved)s. Check below: saving again replaces that with what you typed."
            )
            % {"saved": form.differences()},
        )
    elif request.method == "POST" and form.is_valid():
        try:
            if prospect is None:
                services.prospect_create(owner=request.user, prospect=form.instance)
            else:
                form.save()
        except ValidationError as error:
            for field_name, field_errors in error.message_dict.items():
                form.add_error(field_name, field_errors)
        else:
            messages.success(request, _("Prospect saved."))
            return redirect("activity:prospect_list")
    visits = selectors.prospect_visits(prospect) if prospect is not None else ()
    return render(
        request,
        "activity/prospect_form.html",
        {"form": form, "prospect": prospect, "visits": visits},
    )


NOTIFICATIONS_PER_PAGE = 50


@require_GET
@login_required
def notification_list(request):
    # Paged, newest first, with the unread ones a click away: after two years an RM has
    # thousands, and the page showed the newest 100 only, 400 unread ones out of reach.
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notifications_of(request.user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "activity/notifications.html",
        {"notifications": page, "page": page, "unread_only": unread_only},
    )


@require_POST
@login_required
def notification_read(request, pk: int):
    notification = selectors.get_own_notification(request.user, pk)
    reminders.notifications_mark_read(user=request.user, notification_id=notification.pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    # Back to the page of the list it was marked on, not to the first of forty.
    back = request.POST.get("next", "")
    if back.startswith(reverse("activity:notifications")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts=None
    ):
        return redirect(back)
    return redirect("activity:notifications")


@require_POST
@login_required
def notifications_read_all(request):
    reminders.notifications_mark_read(user=request.user)
    return redirect("activity:notifications")
