"""Every admin page an admin opens first renders: the add form and the list of each model."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
@pytest.mark.parametrize("page", ["add", "changelist"])
def test_admin_page_renders(admin_client, model, page):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
    response = admin_client.get(url)
    # 403: models whose admin allows no adding (e.g. records written by the app itself).
    assert response.status_code in (200, 403), url


def test_admin_pages_carry_our_name_and_icon(admin_client):
    for url in (reverse("admin:index"), reverse("admin:activity_metric_changelist")):
        html = admin_client.get(url).content.decode()
        assert '<link rel="icon" href="data:,">' in html and "活动量管理系统后台" in html, url
        assert "Django" not in html.split("<body")[1], url  # our name in the header


def test_a_robot_address_pasted_without_its_scheme_is_https(admin_client, org):
    response = admin_client.post(
        reverse("admin:activity_regionwebhook_add"),
        {
            "region": org.region.pk,
            "kind": "wecom",
            "url": "qyapi.weixin.qq.com/send?key=k",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert org.region.webhook.url == "https://qyapi.weixin.qq.com/send?key=k"


def test_the_admin_index_is_chinese_throughout(admin_client):
    """QA read AXES over django-axes' models, and hidden English column headers."""
    body = admin_client.get(reverse("admin:index")).content.decode().split("<body")[1]
    assert "登录尝试" in body
    for english in ("Axes", "AXES", "Model name", "Add link", "Change or view list link"):
        assert english not in body, english
