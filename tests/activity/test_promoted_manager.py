"""An account manager promoted to RM of her own region (reorganisation QA).

Her log of an AM day was returned to her before the promotion: she corrects and hands
it in again as the region's manager, and nobody signs their own log. It goes to the
next manager up (the area manager, else the branch head), as her goal sheet and weekly
review of her AM days do; her region's other logs stay hers to sign.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as org_selectors
from accounts.models import Role
from activity import selectors, services
from activity.models import LogStatus
from planning import selectors as planning_selectors
from planning.models import MonthlyGoalSheet, ReviewStatus, SheetStatus, WeeklyReview
from tests import factories as f

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def promoted(org):
    """张三 (org.am) returned a log, then made RM of 东 in place of its RM, who moved on."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=YESTERDAY)
    services.daily_log_return(log=log, actor=org.rm, reason="补拜访记录")
    org.am.role = Role.REGIONAL_MANAGER
    org.am.save(update_fields=["role"])
    org.region.manager = org.am
    org.region.save(update_fields=["manager"])
    log.refresh_from_db()
    return log


def resubmit(log):
    return services.daily_log_save(
        author=log.author, log_date=log.date, fields={}, counts={}, visits=[], submit=True
    )


def test_her_own_log_goes_to_the_area_manager(org, promoted):
    log = resubmit(promoted)
    assert not org_selectors.can_sign_off(org.am, log)
    assert org_selectors.can_sign_off(org.area_manager, log)
    assert not org_selectors.can_sign_off(org.branch_head, log)
    assert not org_selectors.can_sign_off(org.rm, log)
    assert selectors.log_submitted_to(log) == org.area_manager
    assert list(selectors.sign_off_queue(org.area_manager)) == [log]
    assert list(selectors.sign_off_queue(org.am)) == []
    services.daily_log_sign_off(log=log, actor=org.area_manager, comment="好")
    log.refresh_from_db()
    assert (log.status, log.signed_off_by) == (LogStatus.SIGNED_OFF, org.area_manager)


def test_her_peers_logs_stay_hers_to_sign(org, promoted):
    peer_log = f.DailyLogFactory(author=org.peer_am, region=org.region, date=YESTERDAY)
    assert org_selectors.can_sign_off(org.am, peer_log)
    assert not org_selectors.can_sign_off(org.area_manager, peer_log)
    assert list(selectors.sign_off_queue(org.am)) == [peer_log]
    resubmit(promoted)
    assert list(selectors.sign_off_queue(org.area_manager)) == [promoted]


def test_without_an_area_manager_the_branch_head_signs_it(org, promoted):
    org.area.manager = None
    org.area.save(update_fields=["manager"])
    log = resubmit(promoted)
    assert org_selectors.can_sign_off(org.branch_head, log)
    assert list(selectors.sign_off_queue(org.branch_head)) == [log]


def test_the_area_manager_gets_a_queue_and_signs_from_it(client_for, org, promoted):
    client = client_for(org.area_manager)
    # Nothing waits for them yet: no queue, as before.
    assert client.get(reverse("activity:queue")).status_code == 403
    log = resubmit(promoted)
    page = client.get(reverse("activity:queue"))
    assert page.status_code == 200
    assert reverse("activity:log_detail", kwargs={"pk": log.pk}) in page.content.decode()
    response = client.post(reverse("activity:bulk_sign_off"), {"logs": [log.pk], "comment": ""})
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF


def test_the_reminder_counts_it_for_the_area_manager(org, promoted):
    resubmit(promoted)
    waiting = selectors.sign_offs_waiting_by_signer(
        branch_id=org.branch.pk, day=timezone.localdate()
    )
    assert waiting == {org.area_manager.pk: 1}


def test_her_sheet_and_review_of_her_am_days_go_up_too(org, promoted):
    sheet = MonthlyGoalSheet.objects.create(
        author=org.am,
        region=org.region,
        month=YESTERDAY.replace(day=1),
        status=SheetStatus.SUBMITTED,
    )
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=YESTERDAY - datetime.timedelta(days=YESTERDAY.weekday()),
        status=ReviewStatus.SUBMITTED,
    )
    assert not planning_selectors.can_review(org.am, sheet)
    assert planning_selectors.can_review(org.area_manager, sheet)
    assert planning_selectors.can_review(org.area_manager, review)
    assert list(planning_selectors.monthly_sheets_waiting_for(org.area_manager)) == [sheet]
    assert list(planning_selectors.reviews_waiting_for(org.area_manager)) == [review]
    assert list(planning_selectors.monthly_sheets_waiting_for(org.am)) == []


def test_her_home_page_lists_the_log_returned_to_her(client_for, org, promoted):
    """Made RM, she lands on the sign-off queue, not on the log page that listed it: the
    returned log of her AM days, signed by nobody until she corrects it, was only in her
    bell."""
    client = client_for(org.am)
    home = client.get(reverse("accounts:home"), follow=True)
    html = home.content.decode()
    assert 'data-testid="returned-logs"' in html and "补拜访记录" in html
    assert reverse("activity:log_edit", kwargs={"day": YESTERDAY}) in html
    # An RM who never had a log returned sees no such card.
    page = client_for(org.other_rm).get(reverse("activity:queue")).content.decode()
    assert 'data-testid="returned-logs"' not in page


@pytest.mark.parametrize("role", [Role.AREA_MANAGER, Role.BRANCH_HEAD])
def test_made_area_manager_or_branch_head_her_overview_lists_it(client_for, org, role):
    """An AM made area manager (of 东's area) or branch head straight away: her home is
    the regions' overview, which did not list the log of her AM days returned to her, so
    it waited in her bell only, signed by nobody. She corrects and hands it in from
    there; 东's RM signs it."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=YESTERDAY)
    services.daily_log_return(log=log, actor=org.rm, reason="补拜访记录")
    org.am.role = role
    org.am.save(update_fields=["role"])
    if role == Role.AREA_MANAGER:
        org.area.manager = org.am
        org.area.save(update_fields=["manager"])
    else:
        org.branch.head = org.am
        org.branch.save(update_fields=["head"])
    client = client_for(org.am)
    home = client.get(reverse("accounts:home"))
    html = home.content.decode()
    assert home.status_code == 200 and "accounts/overview.html" in [t.name for t in home.templates]
    assert 'data-testid="returned-logs"' in html and "补拜访记录" in html
    edit = reverse("activity:log_edit", kwargs={"day": YESTERDAY})
    assert edit in html
    assert client.get(edit).status_code == 200
    log.refresh_from_db()
    resubmit(log)
    assert selectors.log_submitted_to(log) == org.rm
    assert list(selectors.sign_off_queue(org.rm)) == [log]
    html = client.get(reverse("accounts:home")).content.decode()
    assert 'data-testid="returned-logs"' not in html
