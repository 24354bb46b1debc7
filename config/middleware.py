from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
