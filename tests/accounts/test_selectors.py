import datetime

from accounts import selectors
from tests import factories as f


def test_regional_manager_sees_only_own_region(org):
    assert list(selectors.regions_visible_to(org.rm)) == [org.region]


def test_area_manager_sees_regions_of_their_area(org):
    assert set(selectors.regions_visible_to(org.area_manager)) == {org.region, org.other_region}


def test_branch_head_sees_every_region_of_their_branch_only(org):
    assert set(selectors.regions_visible_to(org.branch_head)) == {org.region, org.other_region}
    assert list(selectors.regions_visible_to(org.other_branch_head)) == [org.foreign_region]


def test_account_manager_sees_no_region(org):
    assert not selectors.regions_visible_to(org.am).exists()


def test_admin_sees_every_region_but_signs_off_none(org):
    assert selectors.regions_visible_to(org.admin).count() == 3
    assert not selectors.regions_signed_off_by(org.admin).exists()


def test_deactivated_manager_sees_nothing(org):
    org.rm.is_active = False
    org.rm.save()
    assert not selectors.regions_visible_to(org.rm).exists()


def test_only_the_regions_own_manager_signs_off(org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    assert selectors.can_sign_off(org.rm, log)
    for someone in (
        org.other_rm,
        org.area_manager,
        org.branch_head,
        org.admin,
        org.am,
        org.peer_am,
    ):
        assert not selectors.can_sign_off(someone, log), someone


def test_nobody_signs_off_their_own_log(org, today):
    # 直属: the branch head manages the region and could, in theory, keep a log there.
    log = f.DailyLogFactory(author=org.other_branch_head, region=org.foreign_region, date=today)
    assert not selectors.can_sign_off(org.other_branch_head, log)


def test_contact_details_for_owner_and_line_managers_only(org):
    allowed = {org.am, org.rm, org.area_manager, org.branch_head}
    for user in allowed:
        assert selectors.can_see_contact_details(user, owner_id=org.am.pk, region_id=org.region.pk)
    for user in (org.peer_am, org.other_rm, org.other_branch_head, org.admin):
        assert not selectors.can_see_contact_details(
            user, owner_id=org.am.pk, region_id=org.region.pk
        ), user


def test_membership_on_follows_effective_dates(org):
    org.am.memberships.update(end_date=datetime.date(2026, 3, 31))
    f.MembershipFactory(user=org.am, region=org.other_region, start_date=datetime.date(2026, 4, 1))
    assert selectors.membership_on(org.am, datetime.date(2026, 3, 31)).region == org.region
    assert selectors.membership_on(org.am, datetime.date(2026, 4, 1)).region == org.other_region
    assert selectors.membership_on(org.am, datetime.date(2019, 12, 31)) is None
