import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET

from activity import selectors as activity_selectors
from config.converters import parse_day
from planning import selectors as planning_selectors
from planning.calendar import years_to_enter as holiday_years_to_enter

from . import selectors, services
from .forms import LoginForm, OwnPasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    # The person's language comes along on logging in: accounts.signals.


def set_language(request):
    """Django's language switch, which also remembers the choice for the person (a GET
    sets nothing: Django's sends the browser back)."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        # Someone sent here at their first login goes on to their work, not to a page
        # that only says it is done.
        first_own = self.request.user.must_change_password
        response = super().form_valid(form)
        if first_own:
            messages.success(self.request, _("Your password is changed. On to your work."))
            return redirect("accounts:home")
        return response


@require_GET
@login_required
def home(request):
    """Send each role to their work."""
    kind = selectors.home_kind(request.user)
    if kind == "account_manager":
        return redirect("activity:today")
    if kind == "regional_manager":
        return redirect("activity:queue")
    today = timezone.localdate()
    # A day that has not begun has no logs to count: it reads as today. It showed every
    # AM as not submitted, in red, as if the day were over and missed.
    day = min(_day_param(request) or today, today)
    # A region closed before `day` is not an empty row of it.
    visible = selectors.regions_visible_to(request.user)
    rows = activity_selectors.region_day_status(visible.open_on(day), day)
    previous_day = day - datetime.timedelta(days=1)
    return render(
        request,
        "accounts/overview.html",
        {
            "day": day,
            "rows": rows,
            "total": activity_selectors.day_status_total(rows) if len(rows) > 1 else None,
            # A branch imported today has no day before to show: its head stepped back
            # onto 您还不是任何分公司的负责人.
            "previous_day": previous_day if visible.existing_by(previous_day).exists() else None,
            "next_day": day + datetime.timedelta(days=1),
            "is_today": day == today,
            "week_start": activity_selectors.week_start(day),
            "overdue_items": planning_selectors.overdue_items(request.user),
            # An AM made area manager or branch head: a log of her AM days returned to her
            # is hers to correct, and nobody signs it until she does (it was in her bell
            # only). Her old region's RM signs it once handed in again.
            "returned_logs": activity_selectors.returned_logs(request.user),
            "not_placed": None
            if rows or visible.exists()
            else selectors.not_placed_reason(request.user),
            # A new installation: the admin's first page says where the org tree comes from.
            "set_up_first": not rows
            and selectors.is_admin(request.user)
            and not selectors.any_region_exists(),
            "holidays_to_enter": holiday_years_to_enter(today)
            if selectors.is_admin(request.user)
            else [],
        },
    )


def _day_param(request) -> datetime.date | None:
    return parse_day(request.GET.get("day", ""))
