import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from accounts.services import user_deactivate
from tests.factories import PASSWORD


def login(client, employee_no, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": employee_no, "password": password})


def test_login_with_employee_number_forgives_spaces(client, org):
    response = login(client, f"  {org.am.employee_no} ")
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")


def test_wrong_password_rerenders_with_an_error_in_chinese(client, org):
    response = login(client, org.am.employee_no, "wrong")
    assert response.status_code == 200
    html = response.content.decode()
    # Our wording (config/wording.py): Django's says both fields are case-sensitive.
    assert "工号或密码不正确" in html and "大小写" not in html


def test_deactivated_staff_cannot_log_in(client, org):
    response = login(client, org.deactivated.employee_no)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_existing_sessions(client, org):
    login(client, org.am.employee_no)
    assert client.get(reverse("activity:my_logs")).status_code == 200
    user_deactivate(user=org.am)
    response = client.get(reverse("activity:my_logs"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out(client, org):
    for _ in range(3):
        login(client, org.am.employee_no, "wrong")
    response = login(client, org.am.employee_no)  # even the right password now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_home_sends_each_role_to_their_work(client_for, org, today):
    assert client_for(org.am).get("/", follow=True).redirect_chain[-1][0] == reverse(
        "activity:log_edit", kwargs={"day": today}
    )
    assert client_for(org.rm).get("/").url == reverse("activity:queue")
    response = client_for(org.branch_head).get("/")
    assert response.status_code == 200 and "region-status" in response.content.decode()


def test_post_without_csrf_token_is_refused(org, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.am)
    response = client.post(reverse("activity:log_edit", kwargs={"day": today}), {"save": "1"})
    assert response.status_code == 403


def test_chinese_by_default_english_on_request(client, org):
    assert "登录" in client.get(reverse("accounts:login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Employee number" in html and "工号" not in html


def test_an_english_browser_still_gets_chinese(client):
    """The branch works in Chinese: the browser's Accept-Language does not switch it."""
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize("cookie", ["fr", "xx-yy", "<script>"])
def test_an_unknown_language_cookie_falls_back_to_chinese(client, settings, cookie):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "登录" in response.content.decode()


def test_a_site_set_to_english_opens_in_english(client):
    # DJANGO_LANGUAGE_CODE=en (e.g. the security scan): the default changes, the switch stays.
    with override_settings(LANGUAGE_CODE="en"):
        html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content
    assert "Employee number" in html.decode()


def test_the_chosen_language_stays_on_every_page(client, org):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(org.rm)
    html = client.get(reverse("activity:queue"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Sign-off queue" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = client.get(reverse("activity:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign-off queue" not in html


def test_times_are_shanghai_by_default(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_production_settings_pass_the_deploy_check():
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 64 + "-a-long-random-production-secret",
        "DJANGO_ALLOWED_HOSTS": "footwork.example.com",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": "x",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_every_interface_string_has_a_chinese_translation(tmp_path):
    """Extract the strings afresh (in a copy of the code) so a new string with no
    translation fails here instead of showing English in the Chinese interface."""
    root = Path(settings.BASE_DIR)
    for name in (
        "manage.py",
        "config",
        "accounts",
        "activity",
        "planning",
        "reports",
        "templates",
        "locale",
    ):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    extract = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHONPATH": str(tmp_path),
        },
    )
    assert extract.returncode == 0, extract.stderr
    result = subprocess.run(
        [
            "msgfmt",
            "--check",
            "--statistics",
            "-o",
            "/dev/null",
            "locale/zh_Hans/LC_MESSAGES/django.po",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
