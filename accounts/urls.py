from django.contrib.auth import views as auth_views
from django.urls import path

from . import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("staff/import/", staff_views.staff_import, name="staff_import"),
    path(
        "staff/import/template.xlsx",
        staff_views.staff_import_template,
        name="staff_import_template",
    ),
    path("staff/import/<int:pk>/", staff_views.staff_import_detail, name="staff_import_detail"),
    path(
        "staff/import/<int:pk>/progress/",
        staff_views.staff_import_progress,
        name="staff_import_progress",
    ),
    path(
        "staff/import/<int:pk>/confirm/",
        staff_views.staff_import_confirm_view,
        name="staff_import_confirm",
    ),
    path(
        "staff/import/<int:pk>/errors/",
        staff_views.staff_import_errors,
        name="staff_import_errors",
    ),
    path("staff/export/", staff_views.staff_export, name="staff_export"),
]
