from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

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
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
