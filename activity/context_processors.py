from .reminders import unread_count


def notifications(request) -> dict:
    """The bell's unread count: one small indexed query per page for logged-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
