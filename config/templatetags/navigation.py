"""The top bar's links, the one for the page shown marked as current.

Pages belong to the entry a user reaches them from: a log's page to "My logs" for its
author and to the sign-off queue for a manager, a plan's pages to "Plans", and so on.
"""

from django import template
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

register = template.Library()

# A view's name, or the start of it, and the top-bar entry its pages belong to.
# The first match wins; a view not listed belongs to its own entry (if it has one).
ENTRY_OF_VIEW = [
    ("activity:week_grid", "activity:queue"),
    ("activity:bulk_sign_off", "activity:queue"),
    ("activity:prospect_", "activity:prospect_list"),
    ("planning:item", "planning:items"),
    ("planning:target_import", "planning:target_import"),
    ("planning:", "planning:index"),
    ("reports:", "reports:summary"),
    ("accounts:staff_", "accounts:staff_import"),
]


def current_entry(request) -> str | None:
    """The URL name of the top-bar entry the requested page belongs to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    view = match.view_name
    if view == "activity:log_edit":
        is_today = match.kwargs.get("day") == timezone.localdate()
        return "activity:today" if is_today else "activity:my_logs"
    if view.startswith("activity:log_"):  # a log's page and its sign-off, return, reopen
        is_author = request.user.role == Role.ACCOUNT_MANAGER
        return "activity:my_logs" if is_author else "activity:queue"
    return next((entry for start, entry in ENTRY_OF_VIEW if view.startswith(start)), view)


@register.inclusion_tag("_nav_link.html", takes_context=True)
def nav_link(context, url_name: str, label: str, testid: str = ""):
    return {
        "href": reverse(url_name),
        "label": label,
        "testid": testid,
        "is_current": current_entry(context["request"]) == url_name,
    }
