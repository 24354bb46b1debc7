"""The compose file is checked against the compose spec: no Docker engine runs here."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_compose_file_is_valid_per_the_compose_spec():
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).parent / "check-jsonschema"
    )
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_whole_stack_with_health_checks():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_web_health_check_asks_healthz_which_answers_a_probe_by_address():
    """/login/ answered the container's own probe (Host 127.0.0.1, plain HTTP) with a
    400 for the host or a redirect to https: the web container never became healthy."""
    probe = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in probe
    assert "timeout=" in probe  # a hung process fails the check instead of hanging it


def test_every_setting_in_env_reaches_the_containers_and_never_the_image():
    """Compose reads .env only to fill in ${...}; DJANGO_CSRF_TRUSTED_ORIGINS, the e-mail
    settings and the rest reached the app only because `COPY . .` baked .env, secret key
    and all, into the image."""
    services = _compose()["services"]
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env", name
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored


def test_web_and_worker_share_the_uploaded_staff_import_files():
    """A large import is uploaded to web and checked and written by the worker, from
    MEDIA_ROOT: without a shared volume the worker found no file (and a restart lost it)."""
    services = _compose()["services"]
    assert str(settings.MEDIA_ROOT) == str(
        settings.VAR_DIR / "media"
    )  # /app/var/media in the image
    for name in ("web", "worker"):
        assert "media:/app/var/media" in services[name]["volumes"], name
    assert "media" in _compose()["volumes"]


def test_one_beat_whose_volume_leaves_the_collected_static_files_alone():
    services = _compose()["services"]
    beats = [name for name, s in services.items() if "beat" in s.get("command", [])]
    assert beats == ["beat"]
    assert all("-B" not in s.get("command", []) for s in services.values())  # no embedded beat
    command = services["beat"]["command"]
    schedule = command[command.index("--schedule") + 1]
    (volume,) = services["beat"]["volumes"]
    mount = volume.split(":")[1]
    assert schedule.startswith(mount + "/")
    # collectstatic writes /app/var/staticfiles in the image; a volume over /app/var kept
    # the first release's copy there for good.
    assert mount not in ("/app", "/app/var")


def test_the_image_collects_static_files_and_owns_the_folders_volumes_mount():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic --noinput" in dockerfile
    assert "mkdir -p /app/var/media /app/var/beat" in dockerfile
    assert "chown footwork /app/var /app/var/media /app/var/beat" in dockerfile
    assert "USER footwork" in dockerfile


def _interpolated(value: str, given: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} with the given .env."""

    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        assert op != ":?", f"compose refuses to start without {name}: {arg}"
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, str(value))


def test_guard_the_compose_environment_passes_the_deploy_check():
    """Guard: `check --deploy --fail-level WARNING` with exactly what compose gives web,
    from an .env holding only what README asks for."""
    dot_env = {
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-secret-key-of-sixty-chars-" + "x" * 10
    }
    dot_env["DJANGO_ALLOWED_HOSTS"] = "footwork.example.com"
    dot_env["POSTGRES_PASSWORD"] = "a-password-of-this-deployment"
    environment = {
        name: _interpolated(value, dot_env)
        for name, value in _compose()["services"]["web"]["environment"].items()
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **dot_env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_refuses_to_start_without_a_database_password():
    """No shared default password: a deployment that forgot POSTGRES_PASSWORD in .env
    would have initialised its database with one everybody who read this file knows."""
    given = {"DJANGO_SECRET_KEY": "k" * 60}
    services = _compose()["services"]
    for text in (
        services["web"]["environment"]["DATABASE_URL"],
        services["postgres"]["environment"]["POSTGRES_PASSWORD"],
    ):
        with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
            _interpolated(text, given)
        assert "a-password" in _interpolated(text, {**given, "POSTGRES_PASSWORD": "a-password"})
