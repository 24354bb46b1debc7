"""What logging in does besides logging in, on every login page (Footwork's and the
admin's /admin/login/, which an admin bookmarks)."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from . import services


def _chosen_language(request) -> str | None:
    """The language picked with the switch on this browser, if any."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    try:
        return translation.get_supported_language_variant(chosen) if chosen else None
    except LookupError:
        return None


@receiver(user_logged_in)
def bring_the_language_along(sender, request, user, **kwargs):
    """The language follows the person to another browser; one picked on this browser
    (on the login page, say) is what they chose last, and is kept. The cookie is set on
    the response by config.middleware.ChineseFirstLocaleMiddleware."""
    if request is None:
        return
    chosen = _chosen_language(request)
    if chosen:
        services.user_language_set(user=user, language=chosen)
    elif user.language:
        request.language_after_login = user.language
