from django.urls import path, register_converter
from django.urls.converters import get_converters

from config.converters import IsoDateConverter

from . import import_views, views

if "date" not in get_converters():  # activity.urls usually registers it first
    register_converter(IsoDateConverter, "date")

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("remind/", views.remind_not_handed_in, name="remind_not_handed_in"),
    path("people/<int:user_id>/", views.member, name="member"),
    path("people/<int:user_id>/targets/<date:month>/", views.month_targets, name="month_targets"),
    path(
        "people/<int:user_id>/breakdown/<int:year>/",
        views.breakdown_member,
        name="breakdown_member",
    ),
    path("regions/<int:region_id>/", views.region_plan, name="region"),
    path(
        "regions/<int:region_id>/breakdown/<int:year>/",
        views.breakdown_region,
        name="breakdown_region",
    ),
    path("monthly/<date:month>/", views.monthly_edit, name="monthly_edit"),
    path("monthly/sheets/<int:pk>/", views.monthly_detail, name="monthly_detail"),
    path("monthly/sheets/<int:pk>/agree/", views.monthly_agree, name="monthly_agree"),
    path(
        "monthly/sheets/<int:pk>/request-change/",
        views.monthly_request_change,
        name="monthly_request_change",
    ),
    path("monthly/sheets/<int:pk>/reopen/", views.monthly_reopen, name="monthly_reopen"),
    path("weekly/<date:week>/", views.weekly_edit, name="weekly_edit"),
    path("weekly/reviews/<int:pk>/", views.weekly_detail, name="weekly_detail"),
    path("weekly/reviews/<int:pk>/review/", views.weekly_review, name="weekly_review"),
    path("targets/import/", import_views.target_import, name="target_import"),
    path(
        "targets/import/<int:pk>/",
        import_views.target_import_status,
        name="target_import_status",
    ),
    path(
        "targets/import/confirm/",
        import_views.target_import_confirm,
        name="target_import_confirm",
    ),
    path(
        "targets/import/template.xlsx",
        import_views.target_import_template,
        name="target_import_template",
    ),
    path("items/", views.items, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
]
