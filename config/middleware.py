from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.translation import gettext as _

from . import views


class HealthCheckMiddleware:
    """Answers GET /healthz before the host check and the HTTPS redirect.

    Docker's health check and a load balancer poll each web process directly, by its
    address and over plain HTTP (Host: 10.0.0.5:8000): ALLOWED_HOSTS refused that (400)
    and SECURE_SSL_REDIRECT sent it to https (301), so a working site read as down.
    First in MIDDLEWARE; the answer names no host and sets no cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method == "GET":
            return views.healthz(request)
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked English with the switch on the page.

    Django's own middleware follows the browser's Accept-Language, so a branch PC or
    phone set to English would open Footwork in English. The branch works in Chinese;
    the switch (Django's set_language view, which sets the language cookie) is the one
    way to change that, and it stays chosen on that browser.
    """

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass  # an unknown value in the cookie: keep the default
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # Someone who just logged in on a browser without a choice gets theirs
        # (accounts.signals), as Django's set_language view sets it.
        if language := getattr(request, "language_after_login", None):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return super().process_response(request, response)


class PasswordChangeRequiredMiddleware:
    """Someone whose password an admin chose (the import's initial password, shared by
    everyone in that file, or a reset in the admin) picks their own before anything else.

    Every request goes to the password page, POSTs too: nothing is lost, since a daily
    log being typed is kept in the browser (static/js/draft.js) and comes back when
    they return to it. Needs the user and messages, so it comes after both middlewares.
    """

    # By view name, as resolved: no reverse() that another URLconf might not have.
    # Static files never reach a view here (WhiteNoise, or a 404 before any view).
    OPEN_VIEW_NAMES = frozenset(
        {
            "accounts:password_change",
            "accounts:password_change_done",
            "accounts:logout",
            "set_language",
            "healthz",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.view_name in self.OPEN_VIEW_NAMES:
            return None
        user = request.user
        if not (user.is_authenticated and user.must_change_password):
            return None
        messages.warning(
            request,
            _(
                "Your password was set by an administrator, so others may know it. "
                "Choose a new password of your own to continue."
            ),
        )
        return redirect("accounts:password_change")


class BackToTheFormAfterLoginMiddleware:
    """A form posted after the session ended is sent to the login page with the post's
    address to go on to; after logging in, the browser asked for that address, and the
    actions that only take a post (批阅, 确认, 签批, 退回修改) answered 405: the browser's
    own error page, in its own language, naming nothing. The login page now goes on to
    the page the form was on (its Referer, this site's only), where draft.js puts back
    what was typed. A form posting to its own page (a log, a goal sheet) is unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or response.status_code != 302:
            return response
        location = urlsplit(response["Location"])
        if location.path != resolve_url(settings.LOGIN_URL):
            return response
        query = QueryDict(location.query, mutable=True)
        referer = urlsplit(request.headers.get("Referer", ""))
        if query.get("next") != request.get_full_path() or referer.netloc != request.get_host():
            return response
        query["next"] = urlunsplit(("", "", referer.path, referer.query, ""))
        response["Location"] = urlunsplit(location._replace(query=query.urlencode(safe="/")))
        return response
