import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import translation

from activity import reminders, services, tasks
from activity.models import (
    BranchReminderSettings,
    LogStatus,
    Notification,
    NotificationKind,
    RegionWebhook,
    ReminderRun,
)
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 11, 23)


def at(day, hour, minute=0):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour, minute), SHANGHAI)
    )


def due_kinds(now_day, hour, minute=0):
    with at(now_day, hour, minute):
        from django.utils import timezone

        return {(d.branch_id, d.kind) for d in reminders.reminders_due(timezone.now())}


def recipients(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__name", flat=True))


def test_nothing_is_due_before_the_configured_time(org):
    assert due_kinds(MONDAY, 8, 59) == set()


def test_each_reminder_falls_due_at_its_time_on_a_working_day(org):
    branch = org.branch.pk
    assert due_kinds(MONDAY, 18, 5) >= {(branch, "log_missing"), (branch, "escalation")}
    assert (branch, "sign_off_pending") not in due_kinds(MONDAY, 18, 5)
    assert (branch, "sign_off_pending") in due_kinds(MONDAY, 20, 0)


def test_branch_times_are_configurable(org):
    BranchReminderSettings.objects.create(branch=org.branch, missing_log_at=datetime.time(17, 0))
    assert (org.branch.pk, "log_missing") in due_kinds(MONDAY, 17, 1)
    BranchReminderSettings.objects.filter(branch=org.branch).update(enabled=False)
    assert not {k for k in due_kinds(MONDAY, 21) if k[0] == org.branch.pk}


def test_no_reminders_on_a_public_holiday(org):
    assert due_kinds(datetime.date(2026, 10, 1), 21) == set()  # National Day


def test_no_reminders_on_new_years_day_before_the_admin_entered_the_years_holidays(org):
    # 1 January 2027, a Friday: chinese-calendar 1.11 does not carry 2027 and no admin
    # entered it, but the law makes the day a holiday.
    assert due_kinds(datetime.date(2027, 1, 1), 21) == set()
    assert (org.branch.pk, "log_missing") in due_kinds(datetime.date(2026, 12, 31), 21)
    assert (org.branch.pk, "log_missing") in due_kinds(datetime.date(2027, 1, 4), 21)


def test_the_admins_2027_spring_festival_silences_reminders_and_its_调休_saturday_has_them(org):
    from planning.services import calendar_period_set

    monday, saturday = datetime.date(2027, 2, 8), datetime.date(2027, 2, 20)
    assert (org.branch.pk, "log_missing") in due_kinds(monday, 21)  # not known yet
    calendar_period_set(
        branch_ids=[org.branch.pk],
        first=datetime.date(2027, 2, 6),
        last=datetime.date(2027, 2, 13),
        is_working_day=False,
    )
    calendar_period_set(
        branch_ids=[org.branch.pk], first=saturday, last=saturday, is_working_day=True
    )
    assert not {k for k in due_kinds(monday, 21) if k[0] == org.branch.pk}
    assert (org.branch.pk, "log_missing") in due_kinds(saturday, 18, 30)
    # The other branch's admin entered nothing: its AMs are reminded as on any Monday.
    assert (org.other_branch.pk, "log_missing") in due_kinds(monday, 21)


def test_escalation_after_new_year_looks_back_to_the_last_working_day_of_the_old_year(org):
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=datetime.date(2026, 12, 31),
        status=LogStatus.SUBMITTED,
    )
    with at(datetime.date(2027, 1, 4), 18, 30):
        reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=datetime.date(2027, 1, 4))
    titles = list(Notification.objects.filter(kind="escalation").values_list("title", flat=True))
    assert len(titles) == 1 and "2026-12-31" in titles[0], titles


def test_reminders_on_an_adjusted_working_saturday(org):
    saturday = datetime.date(2026, 10, 10)  # 调休: a Saturday worked in lieu
    assert saturday.weekday() == 5
    assert (org.branch.pk, "log_missing") in due_kinds(saturday, 18, 30)
    assert due_kinds(datetime.date(2026, 10, 17), 18, 30) == set()  # an ordinary Saturday


def test_missing_log_reminder_goes_to_active_ams_without_a_submitted_log(org):
    f.DailyLogFactory(author=org.am, region=org.region, date=MONDAY, status=LogStatus.SUBMITTED)
    f.DailyLogFactory(author=org.peer_am, region=org.region, date=MONDAY, status=LogStatus.DRAFT)
    sent = reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    # 张三 submitted; 李四 only has a draft; 王五 nothing; the deactivated AM is skipped;
    # 赵六 belongs to another branch.
    assert recipients("log_missing") == {"李四", "王五"}
    assert sent == 2
    assert Notification.objects.filter(kind="log_missing").first().url == f"/logs/{MONDAY}/edit/"


def test_running_a_reminder_twice_sends_once(org):
    first = reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    second = reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    assert (first, second) == (4 - 1, 0)  # 张三, 李四, 王五 (not the deactivated AM)
    assert Notification.objects.filter(kind="log_missing").count() == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers: runs on PostgreSQL (production, CI); the zero-setup "
    "SQLite test database locks the whole table instead",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_reminder_at_once_send_once(org):
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 3
    assert Notification.objects.filter(kind="log_missing").count() == 3


def test_pending_sign_off_reminder_counts_each_managers_queue(org):
    for am in (org.am, org.peer_am):
        f.DailyLogFactory(author=am, region=org.region, date=MONDAY)
    f.DailyLogFactory(
        author=org.outsider_am, region=org.other_region, date=MONDAY, status=LogStatus.DRAFT
    )
    reminders.remind_pending_sign_offs(branch_id=org.branch.pk, day=MONDAY)
    notes = list(Notification.objects.filter(kind="sign_off_pending"))
    assert [(n.recipient, n.title) for n in notes] == [(org.rm, "有 2 份工作日志等待您签批")]


def test_escalation_goes_to_the_area_manager_else_the_branch_head(org):
    friday = MONDAY - datetime.timedelta(days=3)
    f.DailyLogFactory(author=org.am, region=org.region, date=friday)
    f.DailyLogFactory(author=org.foreign_am, region=org.foreign_region, date=friday)
    f.DailyLogFactory(
        author=org.peer_am,
        region=org.region,
        date=friday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=MONDAY)
    reminders.escalate_unsigned_logs(branch_id=org.other_branch.pk, day=MONDAY)
    notes = {n.recipient: n.title for n in Notification.objects.filter(kind="escalation")}
    # Monday escalates Friday (the previous working day); 直属 has no area → its head.
    assert notes == {
        org.area_manager: "2026-11-20 的日志仍未签批：东 1",
        org.other_branch_head: "2026-11-20 的日志仍未签批：直属 1",
    }


def test_an_rm_gap_escalates_the_stand_in_area_managers_backlog_to_the_branch_head(org):
    """东's RM left on Wednesday: its area manager signs its logs until a new RM starts.
    Those she left unsigned went to her again as an escalation (on top of her sign-off
    reminder), and the branch head never heard that a region without an RM went unsigned;
    now they reach the branch head, as the next one up from whoever signs."""
    from accounts.services import user_deactivate

    wednesday, thursday = MONDAY + datetime.timedelta(days=2), MONDAY + datetime.timedelta(3)
    user_deactivate(user=org.rm, day=wednesday)
    f.DailyLogFactory(author=org.am, region=org.region, date=wednesday)
    f.DailyLogFactory(author=org.outsider_am, region=org.other_region, date=wednesday)
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=thursday)
    notes = {n.recipient: n.title for n in Notification.objects.filter(kind="escalation")}
    # 西 still has its RM: the area manager above her hears of 西's as before.
    assert notes == {
        org.branch_head: "2026-11-25 的日志仍未签批：东 1",
        org.area_manager: "2026-11-25 的日志仍未签批：西 1",
    }


def test_once_the_new_rm_starts_escalations_go_to_the_area_manager_again(org):
    from accounts.services import user_deactivate

    wednesday = MONDAY + datetime.timedelta(days=2)
    user_deactivate(user=org.rm, day=wednesday)
    org.region.manager = f.UserFactory(role="rm", name="新区域经理")
    org.region.save(update_fields=["manager"])
    f.DailyLogFactory(author=org.am, region=org.region, date=wednesday)
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=wednesday + datetime.timedelta(1))
    assert recipients("escalation") == {"片区经理"}


def test_an_area_manager_who_left_passes_the_escalation_to_the_branch_head(org):
    """Someone who left is told nothing, and the head above her is told instead."""
    org.area_manager.is_active = False
    org.area_manager.save(update_fields=["is_active"])
    friday = MONDAY - datetime.timedelta(days=3)
    f.DailyLogFactory(author=org.am, region=org.region, date=friday)
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=MONDAY)
    assert recipients("escalation") == {"分公司负责人"}


def test_an_escalation_names_the_regions_in_pinyin_order(org):
    """北 (běi) before 东 (dōng), as a Chinese reader looks them up; by code point 东 came
    first. SQLite, the zero-setup default, keeps code-point order."""
    org.other_region.name = "北"
    org.other_region.save()
    friday = MONDAY - datetime.timedelta(days=3)
    f.DailyLogFactory(author=org.am, region=org.region, date=friday)
    f.DailyLogFactory(author=org.outsider_am, region=org.other_region, date=friday)
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=MONDAY)
    regions = "北 1，东 1" if connection.vendor == "postgresql" else "东 1，北 1"
    assert Notification.objects.get(kind="escalation").title == (
        f"2026-11-20 的日志仍未签批：{regions}"
    )


def test_an_escalation_lists_the_regions_the_readers_way(org):
    """QA: in English it read "Logs of 2026-11-20 still not signed off: 北 1，东 1", with
    the Chinese full-width comma between the regions."""
    org.other_region.name = "北"
    org.other_region.save()
    friday = MONDAY - datetime.timedelta(days=3)
    f.DailyLogFactory(author=org.am, region=org.region, date=friday)
    f.DailyLogFactory(author=org.outsider_am, region=org.other_region, date=friday)
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=MONDAY)
    note = Notification.objects.get(kind="escalation")
    regions = "北 1, 东 1" if connection.vendor == "postgresql" else "东 1, 北 1"
    with translation.override("en"):
        assert note.shown_title() == f"Logs of 2026-11-20 still not signed off: {regions}"
    with translation.override("zh-hans"):
        assert note.shown_title() == f"2026-11-20 的日志仍未签批：{regions.replace(', ', '，')}"


def test_reminders_are_emailed_once_to_people_with_an_address(
    org, django_capture_on_commit_callbacks
):
    org.peer_am.email = "lisi@example.com"
    org.peer_am.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    assert [m.to for m in mail.outbox] == [["lisi@example.com"]]
    # Read in a mail client: what to do, and a link that opens (QA's read only a path).
    body = mail.outbox[0].body
    assert body.startswith(mail.outbox[0].subject)
    assert f"{settings.SITE_URL}/logs/{MONDAY.isoformat()}/edit/" in body
    note = Notification.objects.get(recipient=org.peer_am)
    assert tasks.deliver_notification_email(note.pk) is False  # already sent
    assert len(mail.outbox) == 1


class _Receiver(BaseHTTPRequestHandler):
    posts: list = []

    def do_POST(self):
        self.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    """A group-robot endpoint on loopback that records what it receives."""
    _Receiver.posts = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", _Receiver.posts
    server.shutdown()


def test_missing_logs_are_posted_once_to_the_regions_group_robot(
    org, robot, django_capture_on_commit_callbacks
):
    url, posts = robot
    RegionWebhook.objects.create(region=org.region, kind="wecom", url=url)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    # Names in pinyin order (李 before 张) where the database has the Chinese collation;
    # SQLite, the zero-setup default, keeps code-point order.
    names = "李四、张三" if connection.vendor == "postgresql" else "张三、李四"
    assert posts == [
        {"msgtype": "text", "text": {"content": f"2026-11-23 尚未提交工作日志：{names}"}}
    ]


def test_dispatcher_runs_each_due_reminder_once_and_marks_it_finished(org):
    with at(MONDAY, 20, 5):
        assert tasks.dispatch_reminders() == 6  # two branches × three kinds
        assert tasks.dispatch_reminders() == 0
    assert set(ReminderRun.objects.filter(branch=org.branch).values_list("kind", flat=True)) == {
        "log_missing",
        "sign_off_pending",
        "escalation",
    }
    # 张三, 李四, 王五 in this branch; 赵六 in the other.
    assert Notification.objects.filter(kind="log_missing").count() == 4


def test_a_missed_reminder_is_caught_up_the_same_day_only(org):
    # The worker was down at 18:00; its first tick at 19:40 sends today's reminder.
    with at(MONDAY, 19, 40):
        tasks.dispatch_reminders()
    assert Notification.objects.filter(kind="log_missing").count() == 4
    # Down all Tuesday evening: Wednesday morning sends nothing for Tuesday.
    tuesday = MONDAY + datetime.timedelta(days=1)
    with at(tuesday + datetime.timedelta(days=1), 8, 0):
        tasks.dispatch_reminders()
    assert not ReminderRun.objects.filter(day=tuesday).exists()
    assert Notification.objects.filter(kind="log_missing").count() == 4


def test_return_and_sign_off_comment_notify_the_author(org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    services.daily_log_return(log=log, actor=org.rm, reason="补充拜访记录")
    log.status = LogStatus.SUBMITTED
    log.save()
    services.daily_log_sign_off(log=log, actor=org.rm, comment="很好")
    assert list(
        Notification.objects.filter(recipient=org.am).order_by("pk").values_list("kind", "body")
    ) == [
        (NotificationKind.LOG_RETURNED, "补充拜访记录"),
        (NotificationKind.LOG_SIGNED_OFF, "很好"),
    ]


def test_an_email_that_could_not_be_queued_goes_out_on_the_next_tick_once(org):
    org.peer_am.email = "lisi@example.com"
    org.peer_am.save()
    with at(MONDAY, 10, 0):
        # The broker was down when this was created: no e-mail was queued.
        Notification.objects.create(recipient=org.peer_am, kind="log_returned", title="退回")
    with at(MONDAY, 10, 5):
        tasks.dispatch_reminders()
        tasks.dispatch_reminders()
    assert [m.to for m in mail.outbox] == [["lisi@example.com"]]


def test_a_robot_post_that_could_not_be_queued_goes_out_on_the_next_tick_once(org, robot):
    url, posts = robot
    RegionWebhook.objects.create(region=org.region, kind="dingtalk", url=url)
    from activity.models import ReminderSent

    with at(MONDAY, 18, 0):
        ReminderSent.objects.create(
            kind="log_missing", day=MONDAY, key=f"region:{org.region.pk}", message="未提交：张三"
        )
    with at(MONDAY, 18, 10):
        tasks.dispatch_reminders()
        tasks.dispatch_reminders()
    assert posts == [{"msgtype": "text", "text": {"content": "未提交：张三"}}]


def test_a_notification_title_with_a_line_break_is_emailed_on_one_line(
    org, django_capture_on_commit_callbacks
):
    """QA: an item title with a line break became the e-mail subject; Django refused to
    send it (header injection) and the sweep retried it with an error for two days."""
    org.am.email = "zhangsan@example.com"
    org.am.save()
    with django_capture_on_commit_callbacks(execute=True):
        note = reminders.notify(
            kind=NotificationKind.ITEM_ASSIGNED,
            recipient=org.am,
            title="王五交办给您：整理续保名单\r\n  第二行\u2028第三行",
        )
    (sent,) = mail.outbox
    assert sent.subject == "王五交办给您：整理续保名单 第二行 第三行"
    assert Notification.objects.get(pk=note.pk).emailed_at is not None


def test_reminders_are_written_in_the_configured_language(org, settings):
    """README: notifications are stored in the interface's default language; reminders
    were always Chinese, whatever DJANGO_LANGUAGE_CODE said."""
    reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    assert Notification.objects.filter(kind="log_missing").first().title.startswith("请")
    Notification.objects.all().delete()
    reminders.ReminderSent.objects.all().delete()
    settings.LANGUAGE_CODE = "en"
    reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY)
    assert Notification.objects.filter(kind="log_missing").first().title == (
        f"Please submit your daily log for {MONDAY}"
    )


def test_a_reader_who_switched_to_english_reads_notifications_in_english(org, client_for):
    """QA (a new branch): an AM in English read "张伟 签批了您 … 的日志" and every reminder
    in Chinese. Texts the app wrote are shown in the reader's language; one a person
    typed (the comment) stays as typed."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=MONDAY)
    services.daily_log_sign_off(log=log, actor=org.rm, comment="很好")
    reminders.remind_missing_logs(branch_id=org.branch.pk, day=MONDAY + datetime.timedelta(1))
    client = client_for(org.am)
    url = reverse("activity:notifications")
    chinese = client.get(url).content.decode()
    assert f"{org.rm.name}签批了您 {MONDAY} 的日志" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert f"{org.rm.name} signed off your log of {MONDAY}" in english
    assert "签批了您" not in english and "很好" in english
    assert f"Please submit your daily log for {MONDAY + datetime.timedelta(1)}" in english


@pytest.mark.parametrize(
    ("waiting", "chinese", "english"),
    [
        (1, "有 1 份工作日志等待您签批", "1 daily log is waiting for your sign-off"),
        (2, "有 2 份工作日志等待您签批", "2 daily logs are waiting for your sign-off"),
    ],
)
def test_the_sign_off_reminder_counts_one_log_and_many_in_english(
    org, client_for, settings, django_capture_on_commit_callbacks, waiting, chinese, english
):
    """QA: the evening reminder read "1 daily logs" in English (its stored text had no
    plural form): in the bell's list and in the e-mail. Sent once, however often it runs."""
    for am in (org.am, org.peer_am)[:waiting]:
        f.DailyLogFactory(author=am, region=org.region, date=MONDAY)
    org.rm.email = "rm@example.com"
    org.rm.save()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.remind_pending_sign_offs(branch_id=org.branch.pk, day=MONDAY)
    (sent,) = mail.outbox
    assert sent.subject == chinese and sent.body.startswith(chinese)
    client = client_for(org.rm)
    url = reverse("activity:notifications")
    assert chinese in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english in client.get(url).content.decode()

    # A site whose interface language is English writes and e-mails it in English.
    Notification.objects.all().delete()
    reminders.ReminderSent.objects.all().delete()
    mail.outbox.clear()
    settings.LANGUAGE_CODE = "en"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.remind_pending_sign_offs(branch_id=org.branch.pk, day=MONDAY)
    (sent,) = mail.outbox
    assert sent.subject == english and sent.body.startswith(english)
    assert Notification.objects.get(kind="sign_off_pending").title == english


def test_a_sign_off_reminder_stored_before_the_plural_fix_reads_right(org, client_for, settings):
    """Reminders already in the bell kept the one English form: "1 daily logs" stayed."""
    from importlib import import_module

    from django.apps import apps

    old_source = {"msgid": "%(n)d daily logs are waiting for your sign-off", "params": {"n": 1}}
    chinese = Notification.objects.create(
        recipient=org.rm,
        kind="sign_off_pending",
        title="有 1 份工作日志等待您签批",
        title_source=old_source,
    )
    english = Notification.objects.create(  # a site whose default language is English
        recipient=org.rm,
        kind="sign_off_pending",
        title="1 daily logs are waiting for your sign-off",
        title_source=old_source,
    )
    two = Notification.objects.create(
        recipient=org.rm,
        kind="sign_off_pending",
        title="有 2 份工作日志等待您签批",
        title_source={**old_source, "params": {"n": 2}},
    )
    import_module("activity.migrations.0015_sign_off_reminder_plural_sources").give_plural_form(
        apps, None
    )

    for notification in (chinese, english, two):
        notification.refresh_from_db()
    assert chinese.title == "有 1 份工作日志等待您签批"
    assert english.title == "1 daily log is waiting for your sign-off"
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("activity:notifications")).content.decode()
    assert "1 daily logs" not in html
    assert html.count("1 daily log is waiting for your sign-off") == 2
    assert "2 daily logs are waiting for your sign-off" in html
