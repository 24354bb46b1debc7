"""The area manager is also the regional manager of one of her regions (a branch short of
managers, reorganisation QA).

Nobody signs their own log: the logs she filed in her region (from her AM days, or as
its RM) go past her area post to the branch head. His queue, the top bar's link to it,
the evening reminder (the bell) and the right to sign must all say so.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as org_selectors
from activity import selectors
from activity.models import LogStatus
from tests import factories as f

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def her_log(org):
    """片区经理 runs 东 herself (its RM moved on); her own log of 东 waits."""
    org.region.manager = org.area_manager
    org.region.save(update_fields=["manager"])
    return f.DailyLogFactory(
        author=org.area_manager,
        region=org.region,
        date=YESTERDAY,
        status=LogStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )


def test_the_branch_head_signs_it_and_finds_it_in_his_queue(org, her_log):
    assert org_selectors.can_sign_off(org.branch_head, her_log)
    assert not org_selectors.can_sign_off(org.area_manager, her_log)
    assert selectors.log_submitted_to(her_log) == org.branch_head
    assert list(selectors.sign_off_queue(org.branch_head)) == [her_log]
    assert selectors.signs_off_logs(org.branch_head)
    assert her_log not in selectors.sign_off_queue(org.area_manager)


def test_the_reminder_and_the_queue_agree(org, her_log):
    peer_log = f.DailyLogFactory(
        author=org.am, region=org.region, date=YESTERDAY, status=LogStatus.SUBMITTED
    )
    waiting = selectors.sign_offs_waiting_by_signer(
        branch_id=org.branch.pk, day=timezone.localdate()
    )
    assert waiting == {org.branch_head.pk: 1, org.area_manager.pk: 1}
    for user_id, n in waiting.items():
        user = org.branch_head if user_id == org.branch_head.pk else org.area_manager
        assert selectors.sign_off_queue(user).count() == n
    assert list(selectors.sign_off_queue(org.area_manager)) == [peer_log]


def test_the_branch_head_signs_it_from_his_queue_page(client_for, org, her_log):
    client = client_for(org.branch_head)
    page = client.get(reverse("activity:queue"))
    assert page.status_code == 200
    assert "待签批" in client.get(reverse("accounts:home")).content.decode()
    assert reverse("activity:log_detail", kwargs={"pk": her_log.pk}) in page.content.decode()
    response = client.post(reverse("activity:bulk_sign_off"), {"logs": [her_log.pk], "comment": ""})
    assert response.status_code == 302
    her_log.refresh_from_db()
    assert (her_log.status, her_log.signed_off_by) == (LogStatus.SIGNED_OFF, org.branch_head)


@pytest.fixture
def rm_over_the_area(org):
    """东's RM (still with the RM role) is made the area manager of 甲 as well."""
    org.area.manager = org.rm
    org.area.save(update_fields=["manager"])
    return org.rm


def test_an_rm_who_is_also_area_manager_signs_for_a_region_without_rm(org, rm_over_the_area):
    org.other_region.manager = None  # 西's RM moved on
    org.other_region.save(update_fields=["manager"])
    west = f.DailyLogFactory(
        author=org.outsider_am, region=org.other_region, date=YESTERDAY, status=LogStatus.SUBMITTED
    )
    assert org_selectors.can_sign_off(org.rm, west)
    assert west in selectors.sign_off_queue(org.rm)
    waiting = selectors.sign_offs_waiting_by_signer(
        branch_id=org.branch.pk, day=timezone.localdate()
    )
    assert waiting == {org.rm.pk: 1}


def test_an_rm_who_is_also_area_manager_signs_her_peers_own_logs(org, rm_over_the_area):
    """西's RM filed a log of her AM days in 西: the area manager above her signs it."""
    own = f.DailyLogFactory(
        author=org.other_rm, region=org.other_region, date=YESTERDAY, status=LogStatus.SUBMITTED
    )
    assert org_selectors.can_sign_off(org.rm, own)
    assert list(selectors.sign_off_queue(org.rm)) == [own]
    assert list(selectors.sign_off_queue(org.other_rm)) == []


def test_her_own_unsigned_log_escalates_to_the_branch_head_not_to_her(org, her_log):
    from activity import reminders
    from activity.models import DailyLog, Notification

    monday = datetime.date(2026, 11, 23)
    f.DailyLogFactory(author=org.am, region=org.region, date=monday, status=LogStatus.SUBMITTED)
    DailyLog.objects.filter(pk=her_log.pk).update(date=monday)
    # Tuesday morning: her own log waits for the branch head, 张三's for her. Both reach
    # him: 张三's is hers to sign as 东's RM, so the escalation goes to the one above her
    # (told of it as "escalated", she only heard of her own backlog again).
    reminders.escalate_unsigned_logs(branch_id=org.branch.pk, day=monday + datetime.timedelta(1))
    notes = {n.recipient: n.title for n in Notification.objects.filter(kind="escalation")}
    assert notes == {org.branch_head: "2026-11-23 的日志仍未签批：东 2"}
