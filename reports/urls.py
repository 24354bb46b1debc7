from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.summary, name="summary"),
    path("export/", views.summary_export, name="summary_export"),
    path("recompute/", views.recompute, name="recompute"),
    path("regions/<int:region_id>/", views.region_detail, name="region"),
    path("regions/<int:region_id>/export/", views.region_export, name="region_export"),
    path("regions/<int:region_id>/members/<int:user_id>/", views.member_detail, name="member"),
]
