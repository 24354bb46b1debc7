"""Writes to the org tree: moves keep history and leave no log behind."""

import datetime

import pytest
from django.urls import reverse

from accounts import selectors, services
from accounts.models import Region, Role
from accounts.services import membership_move
from activity.models import LogStatus
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data


def test_a_log_not_signed_off_yet_goes_with_its_author_to_the_new_region(org, today):
    """Re-test QA: an AM's log of today went to the old region's queue; the import then
    moved them from today, and their day was counted in a region they were no longer in."""
    submitted = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    yesterday = today - datetime.timedelta(days=1)
    signed = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=yesterday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    membership_move(user=org.am, region=org.other_region, start_date=today)
    submitted.refresh_from_db()
    signed.refresh_from_db()
    assert submitted.region == org.other_region  # the new RM's to sign off
    assert signed.region == org.region  # yesterday's, signed: a record stays put


def test_a_goal_sheet_waiting_for_agreement_goes_to_the_new_regions_rm(org, today):
    """Re-test QA: after a move from 1 December, the new RM was told the AM's December
    sheet waited for agreement, and only the old RM could agree it."""
    from planning.models import MonthlyGoalSheet, SheetStatus

    month = today.replace(day=1)
    waiting = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=month, status=SheetStatus.SUBMITTED
    )
    agreed = MonthlyGoalSheet.objects.create(
        author=org.am,
        region=org.region,
        month=month - datetime.timedelta(days=31),
        status=SheetStatus.AGREED,
    )
    membership_move(user=org.am, region=org.other_region, start_date=today)
    waiting.refresh_from_db()
    agreed.refresh_from_db()
    assert waiting.region == org.other_region
    assert agreed.region == org.region  # last month's, agreed by the RM of the time


# --- a new branch head --------------------------------------------------------------


@pytest.fixture
def direct(org):
    """The branch's 直属, run by its head as the branch's own region, with an AM."""
    region = f.RegionFactory(branch=org.branch, manager=org.branch_head, name="直属")
    am = f.member(region, name="孙八")
    return region, am


def branch_form(admin_client, branch):
    url = reverse("admin:accounts_branch_change", args=[branch.pk])
    return url, change_form_data(admin_client.get(url))


def test_a_new_branch_head_takes_over_the_direct_region_in_the_admin(admin_client, org, direct):
    """The head changes on the 16th, the old one staying on elsewhere: 直属 stayed his, so
    he kept signing its logs and reading its phones, and the new head signed none."""
    region, am = direct
    new_head = f.UserFactory(role=Role.BRANCH_HEAD, name="新负责人")
    log = f.DailyLogFactory(author=am, region=region, status=LogStatus.SUBMITTED)
    url, data = branch_form(admin_client, org.branch)
    data["head"] = str(new_head.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    region.refresh_from_db()
    assert region.manager == new_head
    assert selectors.can_sign_off(new_head, log)
    assert not selectors.can_sign_off(org.branch_head, log)
    assert not selectors.regions_line_managed_by(org.branch_head).exists()
    assert not selectors.can_see_contact_details(
        org.branch_head, owner_id=am.pk, region_id=region.pk
    )


def test_a_direct_region_with_an_rm_of_its_own_keeps_her(org, direct):
    region, _am = direct
    rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="直属经理")
    Region.objects.filter(pk=region.pk).update(manager=rm)
    old_head = org.branch_head.pk
    org.branch.head = f.UserFactory(role=Role.BRANCH_HEAD, name="新负责人")
    org.branch.save(update_fields=["head"])
    services.branch_head_changed(branch=org.branch, old_head_id=old_head)
    region.refresh_from_db()
    assert region.manager == rm


def test_a_head_post_left_empty_leaves_the_direct_region_to_nobody(org, direct):
    """Until the next head starts, nobody signs 直属 (the admin's region list says so)
    rather than the head who gave up the post."""
    region, _am = direct
    old_head = org.branch_head.pk
    org.branch.head = None
    org.branch.save(update_fields=["head"])
    services.branch_head_changed(branch=org.branch, old_head_id=old_head)
    region.refresh_from_db()
    assert region.manager is None
    new_head = f.UserFactory(role=Role.BRANCH_HEAD, name="新负责人")
    org.branch.head = new_head
    org.branch.save(update_fields=["head"])
    services.branch_head_changed(branch=org.branch, old_head_id=None)
    region.refresh_from_db()
    assert region.manager == new_head


def test_other_regions_keep_their_rms_when_the_head_changes(org, direct):
    old_head = org.branch_head.pk
    org.branch.head = f.UserFactory(role=Role.BRANCH_HEAD, name="新负责人")
    org.branch.save(update_fields=["head"])
    services.branch_head_changed(branch=org.branch, old_head_id=old_head)
    assert Region.objects.get(pk=org.region.pk).manager == org.rm
