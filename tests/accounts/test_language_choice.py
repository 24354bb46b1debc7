"""The language someone picks is theirs, not only their browser's.

QA: an RM who switched to English on the office PC met Chinese again on her phone after
logging in, and every e-mail the worker sent her (reminders, returned logs, items) was
Chinese: the choice lived in one browser's cookie, which the worker never sees. Footwork
now remembers it on the person: the switch saves it, logging in on another browser
brings it along (a language picked on the login page itself wins: it is what she just
chose), and e-mails are written in it. A group robot's post is read by the whole region
and stays in the site's language."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import User
from activity import reminders
from activity.models import NotificationKind

MONDAY = datetime.date(2026, 11, 23)
PASSWORD = "a-long-password-of-hers"


@pytest.fixture
def rm(org):
    org.rm.set_password(PASSWORD)
    org.rm.save()
    return org.rm


def _log_in(client, user):
    return client.post(
        reverse("accounts:login"), {"username": user.employee_no, "password": PASSWORD}
    )


def test_the_switch_remembers_the_choice_for_the_person(client, rm):
    client.force_login(rm)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert User.objects.get(pk=rm.pk).language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert User.objects.get(pk=rm.pk).language == "zh-hans"


def test_an_unknown_language_is_not_remembered(client, rm):
    client.force_login(rm)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert User.objects.get(pk=rm.pk).language == ""


def test_logging_in_on_another_browser_brings_the_choice_along(client, rm):
    rm.language = "en"
    rm.save()
    response = _log_in(client, rm)
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Sign-off queue" in client.get(reverse("activity:queue")).content.decode()


def test_a_language_picked_on_the_login_page_wins_and_is_remembered(client, rm):
    rm.language = "en"
    rm.save()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/login/"})
    _log_in(client, rm)
    assert User.objects.get(pk=rm.pk).language == "zh-hans"
    assert "Sign-off queue" not in client.get(reverse("activity:queue")).content.decode()


def test_english_stays_after_logging_out_and_in_again(client, rm):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    _log_in(client, rm)
    client.post(reverse("accounts:logout"))
    assert "Employee number" in client.get(reverse("accounts:login")).content.decode()
    _log_in(client, rm)
    assert "Sign-off queue" in client.get(reverse("activity:queue")).content.decode()


def test_someone_without_a_choice_keeps_the_browsers(client, rm):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    _log_in(client, rm)
    assert User.objects.get(pk=rm.pk).language == "en"


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Please submit your daily log for 2026-11-23"),
        ("", "请提交 2026-11-23 的工作日志"),
        ("zh-hans", "请提交 2026-11-23 的工作日志"),
    ],
)
def test_a_reminder_is_emailed_in_the_recipients_language(
    org, django_capture_on_commit_callbacks, language, subject
):
    org.peer_am.email = "lisi@example.com"
    org.peer_am.language = language
    org.peer_am.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    (sent,) = mail.outbox
    assert sent.subject == subject
    assert sent.body.startswith(subject)


def test_a_notification_with_a_typed_body_is_emailed_with_both_parts(
    org, django_capture_on_commit_callbacks
):
    org.am.email = "zhangsan@example.com"
    org.am.language = "en"
    org.am.save()
    title = reminders.stored_text(
        "%(name)s returned your log of %(day)s", {"name": "区域经理东", "day": MONDAY}
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminders.notify(
            kind=NotificationKind.LOG_RETURNED, recipient=org.am, title=title, body="拜访数不对"
        )
    (sent,) = mail.outbox
    assert sent.subject == "区域经理东 returned your log of 2026-11-23"
    assert "拜访数不对" in sent.body


def test_logging_in_on_the_admins_own_login_page_brings_the_choice_along(client, org):
    """An admin who bookmarked /admin/ logs in on Django's admin login page, which skipped
    what Footwork's login page does: she met Chinese again on every new browser."""
    org.admin.set_password(PASSWORD)
    org.admin.language = "en"
    org.admin.save()
    response = client.post(
        reverse("admin:login"), {"username": org.admin.employee_no, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Site administration" in client.get(reverse("admin:index")).content.decode()
