"""Project-wide views: the health check and the error pages that must work when a
dependency is down."""

import sys

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerError

UNAVAILABLE = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, BrokerError)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError:
        return False


def _redis_ok() -> bool | None:
    """None when no Redis is configured (the zero-setup filesystem broker)."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False


@never_cache
@require_GET
def healthz(request):
    """200 when PostgreSQL (and Redis, if configured) answer; 503 naming what failed.

    No session, no login, two tiny round trips: cheap enough to poll every few seconds.
    """
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    failed = [name for name, ok in checks.items() if ok is False]
    body = {
        "status": "fail" if failed else "ok",
        "checks": {
            name: ("not configured" if ok is None else "ok" if ok else "fail")
            for name, ok in checks.items()
        },
    }
    return JsonResponse(body, status=503 if failed else 200)


def server_error(request, template_name="500.html"):
    """handler500: a database or broker that is down gets a clean 503 with Retry-After.

    Both pages are rendered without a request context, so they need neither the
    database nor the session.
    """
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template(template_name).render())
