"""A newcomer's first run: SQLite and Celery's filesystem broker, nothing configured."""

import os
import subprocess
import sys

from django.conf import settings

PING = """
import django
django.setup()
from django.conf import settings
from config.celery_app import app
print(settings.CELERY_BROKER_URL)
app.control.ping(timeout=0.1)
"""


def test_the_filesystem_broker_keeps_its_files_under_var(tmp_path):
    queue_dir = settings.BASE_DIR / "var" / "celery-queue"
    for folder in ("out", "processed"):  # as `make run` does
        (queue_dir / folder).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONPATH": str(settings.BASE_DIR)}
    # Run from elsewhere: a command started in another folder must not litter it.
    result = subprocess.run(
        [sys.executable, "-c", PING],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filesystem://")
    assert list(tmp_path.iterdir()) == []
    assert (queue_dir / "control").is_dir()
