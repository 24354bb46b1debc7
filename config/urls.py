from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views

from . import views

handler500 = "config.views.server_error"

# The admin says whose it is, not "Django administration".
admin.site.site_header = _("Footwork administration")
admin.site.site_title = _("Footwork administration")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("activity.urls")),
    path("plan/", include("planning.urls")),
    path("reports/", include("reports.urls")),
    # Django's switch, remembering the choice for whoever is logged in.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
