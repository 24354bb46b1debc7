from django.urls import path, register_converter

from config.converters import IsoDateConverter

from . import views

register_converter(IsoDateConverter, "date")

app_name = "activity"
urlpatterns = [
    path("logs/today/", views.today, name="today"),
    path("logs/mine/", views.my_logs, name="my_logs"),
    path("logs/<date:day>/edit/", views.log_edit, name="log_edit"),
    path("logs/<int:pk>/", views.log_detail, name="log_detail"),
    path("logs/<int:pk>/sign-off/", views.log_sign_off, name="log_sign_off"),
    path("logs/<int:pk>/return/", views.log_return, name="log_return"),
    path("logs/<int:pk>/reopen/", views.log_reopen, name="log_reopen"),
    path("sign-off/", views.queue, name="queue"),
    path("sign-off/bulk/", views.bulk_sign_off, name="bulk_sign_off"),
    path("regions/<int:region_id>/week/", views.week_grid, name="week_grid"),
    path("prospects/", views.prospect_list, name="prospect_list"),
    path("prospects/new/", views.prospect_edit, name="prospect_create"),
    path("prospects/<int:pk>/edit/", views.prospect_edit, name="prospect_edit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
