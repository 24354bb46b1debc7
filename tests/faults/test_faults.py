"""Faults against the real stack: PostgreSQL or Redis gone, a worker killed mid-task.

The app runs as it does in production (gunicorn, production settings) in a
subprocess, and reaches PostgreSQL or Redis through a `TcpProxy` that the test
switches off and on; the shared services themselves keep running for everyone
else. Each test is bounded in time and restores what it stopped.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from celery import Celery
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from activity.models import BranchReminderSettings, DailyLog, LogStatus, Notification, ReminderRun
from planning.models import CalendarOverride
from reports.models import MetricWeekSnapshot, RegionWeekSnapshot, RollupRun
from tests import factories as f
from tests.faults.proxy import TcpProxy

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="runs against the real stack: set DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
    pytest.mark.django_db(transaction=True),
]

BIN = Path(sys.executable).parent
REDIS_DB = 13  # the fault tests' own Redis database: no other worker listens there


def _redis_url(port: int | None = None) -> str:
    parsed = urllib.parse.urlparse(settings.REDIS_URL)
    return f"redis://{parsed.hostname}:{port or parsed.port or 6379}/{REDIS_DB}"


def _db_url(port: int | None = None) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{port or db['PORT']}/{db['NAME']}"


def _env(**overrides) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        # The sessions the test creates are signed with this key.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_DB_CONNECT_TIMEOUT": "1",
        "DATABASE_URL": _db_url(),
        "REDIS_URL": _redis_url(),
        **overrides,
    }


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=_env(DJANGO_STATIC_ROOT=str(root)),
        cwd=settings.BASE_DIR,
        check=True,
        timeout=180,
    )
    return root


@pytest.fixture
def serve(static_root):
    """serve(**env) → base URL of a gunicorn running the app with those overrides."""
    processes = []

    def start(**overrides):
        with socket_port() as port:
            pass
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "20",
            ],
            env=_env(DJANGO_STATIC_ROOT=str(static_root), **overrides),
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)
                return base
            except OSError:
                time.sleep(0.3)
        pytest.fail("gunicorn did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


class socket_port:
    """A free local port (closed again before use)."""

    def __enter__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, *, cookies: dict, data: dict | None = None, timeout: float = 10):
    """(status, body, seconds). Cookies are sent as a header: production marks them
    Secure, which a plain-http client would otherwise withhold."""
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None,
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, body, headers = response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read().decode(), error.headers
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";")[0]
    return status, body, time.monotonic() - started


def logged_in(user) -> dict:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"sessionid": session.session_key}


def post_form(base: str, path: str, cookies: dict, data: dict, form_page: str | None = None):
    _status, body, _ = fetch(base + (form_page or path), cookies=cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return fetch(base + path, cookies=cookies, data={**data, "csrfmiddlewaretoken": token})


def test_postgresql_down_gives_a_clean_503_fast_and_recovers(org, serve):
    proxy = TcpProxy(int(connection.settings_dict["PORT"] or 5432)).start()
    try:
        base = serve(DATABASE_URL=_db_url(proxy.port))
        cookies = logged_in(org.am)
        assert fetch(base + "/logs/mine/", cookies=cookies)[0] == 200

        proxy.stop()
        status, body, seconds = fetch(base + "/logs/mine/", cookies=cookies)
        assert status == 503 and seconds < 2, (status, seconds)
        assert "服务暂时不可用" in body and "Traceback" not in body and "psycopg" not in body
        status, body, _ = fetch(base + "/healthz", cookies={})
        assert status == 503 and '"database": "fail"' in body

        proxy.start()  # PostgreSQL is back
        statuses = [fetch(base + "/logs/mine/", cookies=cookies)[0] for _ in range(3)]
        assert statuses[1:] == [200, 200], statuses  # at most the first retry may fail
        assert fetch(base + "/healthz", cookies={})[0] == 200
    finally:
        proxy.stop()


@pytest.fixture
def worker():
    """worker() starts a Celery worker on the fault tests' Redis database; killed at the end."""
    processes = []

    def start():
        process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"],
            env=_env(DJANGO_SETTINGS_MODULE="config.settings.test"),
            cwd=settings.BASE_DIR,
            stdout=open(os.environ.get("FAULT_WORKER_LOG", os.devnull), "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_redis_down_the_web_keeps_working_and_the_missed_reminder_goes_once(org, serve, worker):
    import redis

    redis.Redis.from_url(_redis_url()).flushdb()
    proxy = TcpProxy(urllib.parse.urlparse(settings.REDIS_URL).port or 6379).start()
    try:
        base = serve(REDIS_URL=_redis_url(proxy.port))
        proxy.stop()  # Redis is gone

        # An AM saves today's log and the RM signs another off (its author has an
        # e-mail address, so the sign-off enqueues an e-mail): both work.
        today = timezone.localdate()
        am = logged_in(org.am)
        status, _, seconds = post_form(
            base,
            f"/logs/{today}/edit/",
            am,
            {
                "count_visits": "4",
                "visits-TOTAL_FORMS": "0",
                "visits-INITIAL_FORMS": "0",
                "submit": "1",
            },
        )
        assert status == 302 and seconds < 10, (status, seconds)
        org.peer_am.email = "lisi@example.com"
        org.peer_am.save()
        waiting = f.DailyLogFactory(author=org.peer_am, region=org.region, date=today)
        status, _, seconds = post_form(
            base,
            f"/logs/{waiting.pk}/sign-off/",
            logged_in(org.rm),
            {"comment": "好"},
            form_page=f"/logs/{waiting.pk}/",
        )
        assert status == 302 and seconds < 10, (status, seconds)
        assert DailyLog.objects.get(author=org.am).status == LogStatus.SUBMITTED
        assert DailyLog.objects.get(pk=waiting.pk).status == LogStatus.SIGNED_OFF

        # The day's reminder falls due while Redis is down: beat's tick cannot enqueue.
        BranchReminderSettings.objects.create(branch=org.branch, missing_log_at="00:00")
        for branch in (org.branch, org.other_branch):
            CalendarOverride.objects.create(branch=branch, date=today, is_working_day=True)
        BranchReminderSettings.objects.create(branch=org.other_branch, enabled=False)
        tick = [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from activity.tasks import dispatch_reminders; dispatch_reminders()",
        ]
        down = subprocess.run(
            tick,
            env=_env(REDIS_URL=_redis_url(proxy.port)),
            cwd=settings.BASE_DIR,
            capture_output=True,
            timeout=120,
        )
        assert down.returncode != 0
        assert not Notification.objects.filter(kind="log_missing").exists()

        proxy.start()  # Redis is back: the next tick sends the missed reminder, once
        worker()
        for _ in range(2):
            subprocess.run(
                tick,
                env=_env(REDIS_URL=_redis_url(proxy.port)),
                cwd=settings.BASE_DIR,
                check=True,
                capture_output=True,
                timeout=120,
            )
        assert wait_for(
            lambda: ReminderRun.objects.filter(branch=org.branch, kind="log_missing").exists()
        )
        time.sleep(2)  # let a duplicate, if any, arrive
        # 张三 submitted and 李四's log was signed off: only 王五 is reminded, once (the
        # deactivated AM gets nothing).
        reminded = Notification.objects.filter(kind="log_missing")
        assert list(reminded.values_list("recipient__name", flat=True)) == ["王五"]
    finally:
        proxy.stop()


def test_a_worker_killed_mid_rollup_leaves_nothing_and_a_rerun_has_no_duplicates(org, worker):
    import datetime

    import redis

    redis.Redis.from_url(_redis_url()).flushdb()
    monday = datetime.date(2026, 11, 9)
    entry = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=monday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    f.MetricValueFactory(log=entry, value=5)
    sender = Celery("fault-tests", broker=_redis_url())

    # Hold the branch's row lock, so the roll-up is caught half-way, inside its transaction.
    db = connection.settings_dict
    blocker = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_branch WHERE id = %s FOR UPDATE", [org.branch.pk])
    first = worker()
    sender.send_task("reports.rollup_branch_week", args=[org.branch.pk, monday.isoformat()])

    # pg_stat_activity is a snapshot per transaction: watch from outside the blocker's.
    watcher = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    watcher.autocommit = True

    def waiting_on_lock():
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                [db["NAME"]],
            )
            return cursor.fetchone()[0] > 0

    try:
        assert wait_for(waiting_on_lock, 60), "the roll-up never started"
        first.send_signal(signal.SIGKILL)  # the worker dies mid-task
        first.wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
    assert not RollupRun.objects.exists() and not RegionWeekSnapshot.objects.exists()

    worker()  # a new worker; the roll-up runs again (beat's next run, or a redelivery)
    sender.send_task("reports.rollup_branch_week", args=[org.branch.pk, monday.isoformat()])
    assert wait_for(lambda: RollupRun.objects.exists(), 60)
    time.sleep(2)
    assert RollupRun.objects.count() == 1
    assert RegionWeekSnapshot.objects.count() == 2  # 东, 西
    assert (
        MetricWeekSnapshot.objects.get(snapshot__region=org.region, metric__code="visits").actual
        == 5
    )
