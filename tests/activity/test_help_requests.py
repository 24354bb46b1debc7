"""An AM who asks her RM for a joint visit (陪同促成) or writes what she needs from
them: the RM's bell says so when the log is handed in, once per request.

QA: only the queue's "有需求" badge showed it, seen at the evening's sign-off, after
the customer the AM wanted help with had been seen again.
"""

import datetime

from django.urls import reverse
from django.utils import translation

from activity import services
from activity.models import DailyLog, Notification, NotificationKind
from tests import factories as f
from tests.activity.test_log_views import edit_url, form_data


def save(author, day, *, submit=True, **fields):
    return services.daily_log_save(
        author=author, log_date=day, fields=fields, counts={}, visits=[], submit=submit
    )


def told(recipient):
    return list(
        Notification.objects.filter(
            recipient=recipient, kind=NotificationKind.HELP_REQUESTED
        ).order_by("pk")
    )


def test_submitting_a_log_that_asks_for_a_joint_visit_tells_the_rm(client_for, org, today):
    response = client_for(org.am).post(
        edit_url(today),
        form_data(
            {"callbacks": 2},
            needs_joint_visit="on",
            needs_from_manager="恒通物流周四签单，请陪同",
            action="submit",
        ),
    )
    assert response.status_code == 302
    log = DailyLog.objects.get()
    (notice,) = told(org.rm)
    assert notice.title == f"张三请您陪同促成（{today} 的日志）"
    assert notice.body == "恒通物流周四签单，请陪同"
    assert notice.url == reverse("activity:log_detail", kwargs={"pk": log.pk})
    assert not Notification.objects.exclude(recipient=org.rm).exists()


def test_a_need_written_without_a_joint_visit_is_told_too(org, today):
    save(org.am, today, needs_from_manager="需要车险新政培训资料")
    (notice,) = told(org.rm)
    assert notice.title == f"张三对您有需求（{today} 的日志）"
    assert notice.body == "需要车险新政培训资料"


def test_a_draft_or_a_log_that_asks_nothing_tells_nobody(org, today):
    save(org.am, today, submit=False, needs_joint_visit=True, needs_from_manager="请陪访")
    save(org.peer_am, today, remarks="今天下雨", support_material=True)
    assert not Notification.objects.exists()


def test_a_resubmission_tells_again_only_what_is_new(org, today):
    log = save(org.am, today, needs_joint_visit=True)
    services.daily_log_return(log=log, actor=org.rm, reason="拜访记录不全", comment="周四陪你去")
    save(org.am, today, needs_joint_visit=True)
    assert len(told(org.rm)) == 1
    # A joint visit dropped and asked for again is the same request.
    log = DailyLog.objects.get()
    services.daily_log_return(log=log, actor=org.rm, reason="再核对一下")
    save(org.am, today, needs_joint_visit=False)
    services.daily_log_return(log=DailyLog.objects.get(), actor=org.rm, reason="核对")
    save(org.am, today, needs_joint_visit=True)
    assert len(told(org.rm)) == 1
    # Something new written is a new request.
    services.daily_log_return(log=DailyLog.objects.get(), actor=org.rm, reason="核对")
    save(org.am, today, needs_joint_visit=True, needs_from_manager="另需一份团体方案")
    first, second = told(org.rm)
    assert second.body == "另需一份团体方案"
    assert "陪同促成" in second.title


def test_telling_twice_sends_one_notification(org, today):
    log = save(org.am, today, needs_joint_visit=True, needs_from_manager="请陪访")
    assert services._tell_signer_of_request(log) is None
    assert len(told(org.rm)) == 1


def test_a_region_without_rm_tells_the_manager_who_signs_its_logs(org, today):
    org.region.manager = None
    org.region.save()
    save(org.am, today, needs_joint_visit=True)
    assert [n.recipient for n in Notification.objects.all()] == [org.area_manager]


def test_the_rm_reads_it_in_their_own_language(org, today):
    save(org.am, today, needs_joint_visit=True)
    (notice,) = told(org.rm)
    with translation.override("en"):
        assert notice.shown_title() == f"张三 asks you for a joint visit (log of {today})"


def test_a_move_after_the_request_tells_the_rm_who_signs_it_now(client_for, org, today):
    """张三 asks for a joint visit in the morning; at noon the admin moves her to 西 from
    today. Only 东's RM had been told, and her bell led to a log she may no longer open;
    西's RM, who signs it now, met the request at the evening's sign-off."""
    from accounts.services import membership_move

    log = save(org.am, today, needs_joint_visit=True, needs_from_manager="恒通物流续保")
    membership_move(user=org.am, region=org.other_region, start_date=today)
    (notice,) = told(org.other_rm)
    assert notice.title == f"张三请您陪同促成（{today} 的日志）"
    assert notice.body == "恒通物流续保"
    assert client_for(org.other_rm).get(notice.url).status_code == 200
    assert len(told(org.rm)) == 1  # hers, from the morning
    # Entered twice, or told again: once.
    membership_move(user=org.am, region=org.other_region, start_date=today)
    services.help_requests_follow(log_ids=[log.pk])
    assert len(told(org.other_rm)) == 1


def test_a_moved_log_that_asks_nothing_or_was_signed_tells_nobody(org, today):
    from accounts.services import membership_move
    from activity.models import LogStatus

    yesterday = today - datetime.timedelta(days=1)
    save(org.am, today)  # asks for nothing
    signed = save(org.am, yesterday, needs_joint_visit=True)
    DailyLog.objects.filter(pk=signed.pk).update(status=LogStatus.SIGNED_OFF, signed_off_by=org.rm)
    membership_move(user=org.am, region=org.other_region, start_date=yesterday)
    assert told(org.other_rm) == []


def test_an_rm_who_leaves_hands_the_waiting_request_to_whoever_signs_now(org, today):
    """东's RM, told of 张三's joint visit in the morning, leaves that afternoon: the area
    manager who signs 东's logs now hears of it then, not at the evening's sign-off."""
    from accounts.services import user_deactivate

    save(org.am, today, needs_joint_visit=True)
    user_deactivate(user=org.rm)
    (notice,) = told(org.area_manager)
    assert notice.title == f"张三请您陪同促成（{today} 的日志）"


def test_a_new_rm_chosen_in_the_admin_hears_of_the_waiting_request(admin_client, org, today):
    from tests.accounts.test_user_admin import change_form_data

    save(org.am, today, needs_joint_visit=True)
    new_rm = f.UserFactory(role="rm", name="新区域经理")
    url = reverse("admin:accounts_region_change", args=[org.region.pk])
    data = change_form_data(admin_client.get(url))
    data["manager"] = str(new_rm.pk)
    assert admin_client.post(url, data).status_code == 302
    assert len(told(new_rm)) == 1
    assert len(told(org.rm)) == 1  # hers, from the morning, once


def test_moving_away_and_back_tells_nobody_twice(org, today):
    from accounts.services import membership_move

    log = save(org.am, today, needs_joint_visit=True)
    membership_move(user=org.am, region=org.other_region, start_date=today)
    membership_move(user=org.am, region=org.region, start_date=today)
    services.help_requests_follow(log_ids=[log.pk])
    assert (len(told(org.rm)), len(told(org.other_rm))) == (1, 1)


def test_a_new_rm_named_by_the_staff_import_hears_of_the_waiting_request(org, today):
    from tests.accounts.staff_sheets import apply, person, xlsx

    save(org.am, today, needs_joint_visit=True)
    row = person(
        "N001",
        "新区经",
        role="区域经理",
        branch=org.branch.name,
        area=org.area.name,
        region="东",
    )
    outcome = apply(xlsx([row]), password_hash="!")
    assert outcome.errors == []
    (notice,) = Notification.objects.filter(
        recipient__employee_no="N001", kind=NotificationKind.HELP_REQUESTED
    )
    assert "张三" in notice.title


def test_an_answered_request_leaves_the_bell(org, today):
    """QA: the RM answered from the queue without opening the notice, and her bell
    counted the request for days. Signing off (with its 批示) or returning answers it;
    another log's request stays unread."""
    yesterday = today - datetime.timedelta(days=1)
    signed = save(org.am, today, needs_joint_visit=True)
    returned = save(org.peer_am, today, needs_from_manager="需要培训资料")
    waiting = save(org.am, yesterday, needs_joint_visit=True)
    assert all(notice.read_at is None for notice in told(org.rm))

    services.daily_log_sign_off(log=signed, actor=org.rm, comment="周四陪你去")
    services.daily_log_return(log=returned, actor=org.rm, reason="拜访记录不全")

    unread = {n.url for n in told(org.rm) if n.read_at is None}
    assert unread == {reverse("activity:log_detail", kwargs={"pk": waiting.pk})}
