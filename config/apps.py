from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes under a name the admin can show in Chinese (its own is "Axes")."""

    verbose_name = _("Login attempts")
