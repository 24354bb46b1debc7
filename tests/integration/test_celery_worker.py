"""A real Celery worker process, with Redis as the broker and PostgreSQL as the database.

The worker reads the same test database as this test (committed data: transactional
test) and listens on a queue of its own, so no other worker on the machine takes
the task.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from activity import tasks
from activity.models import Notification, ReminderRun
from config.celery_app import app

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="runs against the real stack: set DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    celery = str(Path(sys.executable).parent / "celery")
    process = subprocess.Popen(
        [celery, "-A", "config", "worker", "-Q", queue, "--pool", "solo", "--loglevel", "INFO"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    try:
        yield queue, process
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_real_worker_sends_a_reminder_once(org, worker):
    queue, process = worker
    today = timezone.localdate()
    args = [org.branch.pk, "log_missing", today.isoformat()]
    first = tasks.send_reminders.apply_async(args=args, queue=queue)
    second = tasks.send_reminders.apply_async(args=args, queue=queue)  # a tick that came twice
    try:
        results = [first.get(timeout=60), second.get(timeout=60)]
    except Exception:
        process.terminate()
        pytest.fail("the worker did not run the reminder:\n" + process.communicate()[0][-3000:])
    assert results == [3, 0]
    assert Notification.objects.filter(kind="log_missing").count() == 3
    assert ReminderRun.objects.get(branch=org.branch, day=today).sent == 3


def test_a_real_worker_rolls_up_a_week_and_a_rerun_replaces_it(org, worker):
    import datetime

    from activity.models import LogStatus, Metric, MetricValue
    from reports import tasks as report_tasks
    from reports.models import MetricWeekSnapshot, RollupRun
    from tests import factories as f

    queue, process = worker
    monday = datetime.date(2026, 11, 9)
    entry = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=monday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    MetricValue.objects.create(log=entry, metric=Metric.objects.get(code="visits"), value=11)
    args = [org.branch.pk, monday.isoformat()]
    results = []
    try:
        for _ in range(2):
            results.append(
                report_tasks.rollup_branch_week.apply_async(args=args, queue=queue).get(timeout=60)
            )
    except Exception:
        process.terminate()
        pytest.fail("the worker did not run the roll-up:\n" + process.communicate()[0][-3000:])
    assert list(RollupRun.objects.order_by("pk").values_list("pk", flat=True)) == results
    visits = MetricWeekSnapshot.objects.get(
        snapshot__region=org.region, snapshot__week_start=monday, metric__code="visits"
    )
    assert visits.actual == 11
    assert (
        MetricWeekSnapshot.objects.filter(metric__code="visits").count() == 2
    )  # 东 and 西, once each
