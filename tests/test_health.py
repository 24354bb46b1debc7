import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path

from config import views


def test_healthz_is_ok_when_the_database_answers(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_redis_when_it_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "fail"}


def test_healthz_names_the_database_when_it_fails(client, db, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "fail"


def _database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


def _bug(request):
    raise ValueError("a bug")


urlpatterns = [path("down/", _database_down), path("bug/", _bug)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize(
    ("url", "status", "text"), [("/down/", 503, "服务暂时不可用"), ("/bug/", 500, "出错了")]
)
def test_a_dependency_that_is_down_gets_a_clean_503_and_a_bug_a_clean_500(url, status, text):
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert text in body and "Traceback" not in body and "Connection refused" not in body
    if status == 503:
        assert response["Retry-After"] == "30"


handler500 = "config.views.server_error"


@override_settings(ALLOWED_HOSTS=["footwork.example.com"], SECURE_SSL_REDIRECT=True, REDIS_URL="")
def test_healthz_answers_a_probe_by_address_over_plain_http(db):
    """Docker's health check and a load balancer ask the web process itself: by its
    address, without TLS. The site behind them is up, so the answer is 200, not a
    400 for the host or a redirect to https."""
    response = Client().get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@override_settings(ALLOWED_HOSTS=["footwork.example.com"], SECURE_SSL_REDIRECT=True)
def test_other_pages_still_check_the_host_and_redirect_to_https(db):
    assert Client().get("/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    redirect = Client().get("/login/", HTTP_HOST="footwork.example.com")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://footwork.example.com/login/"
    assert (
        Client().post("/healthz", HTTP_HOST="footwork.example.com", secure=True).status_code == 405
    )
