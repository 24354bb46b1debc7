from .reminders import unread_count
from .selectors import signs_off_logs


def sign_off_queue(request) -> dict:
    """Whether the top bar offers the sign-off queue: to whoever signs some region's
    logs, an area manager or branch head too while a region has no regional manager (or
    its manager's own logs from before a promotion wait for them).
    A callable, so the query runs only where the template asks (not for AMs and RMs)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"signs_off_logs": lambda: signs_off_logs(user)}


def notifications(request) -> dict:
    """The bell's unread count: one small indexed query per page for logged-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
