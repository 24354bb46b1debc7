"""A region without an active regional manager (D2, D9) and logs of people who left (D8).

QA closed 西南 (its AMs moved away, its RM set to 离职): its submitted logs could never
be signed. Such a region's logs now fall to the next manager up, as 直属's fall to the
branch head: the area's manager, else the branch head.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as org_selectors
from activity import selectors, services
from activity.models import DailyLog, LogStatus
from tests import factories as f

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def closed_region(org):
    """东 after its RM left: the field cleared (as the import and the admin now do)."""
    org.region.manager = None
    org.region.save(update_fields=["manager"])
    return org.region


def pending_log(author, region, day=YESTERDAY):
    return f.DailyLogFactory(author=author, region=region, date=day, status=LogStatus.SUBMITTED)


def signers_of(region):
    return org_selectors.region_signer(
        type(region)
        .objects.select_related("manager", "area__manager", "branch__head")
        .get(pk=region.pk)
    )


# --- who signs ------------------------------------------------------------------------


def test_a_region_with_its_rm_is_signed_by_its_rm_only(org):
    log = pending_log(org.am, org.region)
    assert org_selectors.can_sign_off(org.rm, log)
    assert not org_selectors.can_sign_off(org.area_manager, log)
    assert not org_selectors.can_sign_off(org.branch_head, log)
    assert signers_of(org.region) == org.rm


def test_a_region_without_rm_is_signed_by_its_area_manager(org, closed_region):
    log = pending_log(org.am, closed_region)
    assert org_selectors.can_sign_off(org.area_manager, log)
    assert not org_selectors.can_sign_off(org.branch_head, log)
    assert not org_selectors.can_sign_off(org.other_rm, log)
    assert not org_selectors.can_sign_off(org.other_branch_head, log)
    assert signers_of(closed_region) == org.area_manager
    # The area manager's other region keeps its own RM.
    assert list(org_selectors.regions_signed_off_by(org.area_manager)) == [closed_region]


def test_a_region_whose_rm_left_is_signed_by_the_next_manager_up(org):
    """D9: an inactive RM still in the field is no manager."""
    org.rm.is_active = False
    org.rm.save(update_fields=["is_active"])
    log = pending_log(org.am, org.region)
    assert org_selectors.can_sign_off(org.area_manager, log)
    assert signers_of(org.region) == org.area_manager


def test_without_an_area_manager_the_branch_head_signs(org, closed_region):
    org.area.manager = None
    org.area.save(update_fields=["manager"])
    log = pending_log(org.am, closed_region)
    assert org_selectors.can_sign_off(org.branch_head, log)
    assert signers_of(closed_region) == org.branch_head


def test_an_area_manager_who_left_hands_over_to_the_branch_head(org, closed_region):
    org.area_manager.is_active = False
    org.area_manager.save(update_fields=["is_active"])
    assert org_selectors.can_sign_off(org.branch_head, pending_log(org.am, closed_region))
    assert signers_of(closed_region) == org.branch_head


def test_a_region_in_no_area_is_signed_by_the_branch_head(org):
    region = f.RegionFactory(branch=org.branch, area=None, manager=None, name="南")
    am = f.member(region, name="孙七")
    assert org_selectors.can_sign_off(org.branch_head, pending_log(am, region))
    assert not org_selectors.can_sign_off(
        org.area_manager, pending_log(am, region, YESTERDAY - datetime.timedelta(days=1))
    )


def test_nobody_signs_a_region_with_no_manager_at_any_level(org, closed_region):
    org.area.manager = None
    org.area.save(update_fields=["manager"])
    org.branch.head = None
    org.branch.save(update_fields=["head"])
    assert signers_of(closed_region) is None
    log = pending_log(org.am, closed_region)
    assert selectors.log_submitted_to(log) is None


def test_the_submit_message_can_name_who_signs(org, closed_region):
    log = pending_log(org.am, closed_region)
    assert selectors.log_submitted_to(log) == org.area_manager
    assert (
        selectors.log_submitted_to(pending_log(org.outsider_am, org.other_region)) == org.other_rm
    )


# --- what follows: queue, log page, sign-off, bulk, reminders --------------------------


def test_the_area_manager_signs_off_from_the_log_page(client_for, org, closed_region):
    log = pending_log(org.am, closed_region)
    client = client_for(org.area_manager)
    page = client.get(reverse("activity:log_detail", kwargs={"pk": log.pk}))
    assert page.context["can_act"]
    assert 'data-testid="sign-off"' in page.content.decode()
    response = client.post(
        reverse("activity:log_sign_off", kwargs={"pk": log.pk}), {"comment": "好"}
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.status, log.signed_off_by) == (LogStatus.SIGNED_OFF, org.area_manager)


def test_the_area_manager_returns_one(org, closed_region):
    log = services.daily_log_return(
        log=pending_log(org.am, closed_region), actor=org.area_manager, reason="补拜访记录"
    )
    assert log.status == LogStatus.RETURNED


def test_the_branch_head_may_not_sign_while_the_area_manager_does(org, closed_region):
    with pytest.raises(PermissionDenied):
        services.daily_log_sign_off(log=pending_log(org.am, closed_region), actor=org.branch_head)


def test_the_queue_and_bulk_sign_off_follow(client_for, org, closed_region):
    logs = [pending_log(org.am, closed_region), pending_log(org.peer_am, closed_region)]
    pending_log(org.outsider_am, org.other_region)  # 西 keeps its RM
    client = client_for(org.area_manager)
    queue = client.get(reverse("activity:queue"))
    assert queue.status_code == 200
    assert {log.pk for log in queue.context["logs"]} == {log.pk for log in logs}
    response = client.post(
        reverse("activity:bulk_sign_off"), {"logs": [log.pk for log in logs], "comment": ""}
    )
    assert response.status_code == 302
    assert set(DailyLog.objects.filter(region=closed_region).values_list("status", flat=True)) == {
        LogStatus.SIGNED_OFF
    }


def test_the_old_rm_and_others_get_nothing(client_for, org, closed_region):
    assert not selectors.sign_off_queue(org.rm).exists()
    assert not selectors.sign_off_queue(org.branch_head).exists()
    log = pending_log(org.am, closed_region)
    assert list(selectors.sign_off_queue(org.area_manager)) == [log]


def test_waiting_counts_go_to_whoever_signs(org, closed_region):
    pending_log(org.am, closed_region)
    pending_log(org.peer_am, closed_region)
    pending_log(org.outsider_am, org.other_region)
    assert selectors.sign_offs_waiting_by_signer(
        branch_id=org.branch.pk, day=timezone.localdate()
    ) == {org.area_manager.pk: 2, org.other_rm.pk: 1}


# --- D8: no log goes back to someone who left -------------------------------------------


def test_a_log_of_someone_who_left_cannot_be_returned(org):
    log = pending_log(org.deactivated, org.region)
    with pytest.raises(ValidationError) as error:
        services.daily_log_return(log=log, actor=org.rm, reason="数字不对")
    assert "离职者已离职" in str(error.value)
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED
    # Signing it off still works, so its numbers count.
    assert services.daily_log_sign_off(log=log, actor=org.rm).status == LogStatus.SIGNED_OFF


def test_a_signed_off_log_of_someone_who_left_cannot_be_reopened(org):
    log = f.DailyLogFactory(
        author=org.deactivated,
        region=org.region,
        date=YESTERDAY,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        signed_off_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        services.daily_log_reopen(log=log, actor=org.rm, reason="改一下")
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF


def test_the_return_is_refused_on_the_page_with_the_reason(client_for, org):
    log = pending_log(org.deactivated, org.region)
    response = client_for(org.rm).post(
        reverse("activity:log_return", kwargs={"pk": log.pk}), {"reason": "数字不对"}
    )
    assert response.status_code == 200
    assert "离职者" in response.content.decode()
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED


def test_a_log_of_someone_still_here_is_returned_as_before(org):
    log = services.daily_log_return(log=pending_log(org.am, org.region), actor=org.rm, reason="补")
    assert log.status == LogStatus.RETURNED
