import datetime

from planning import calendar
from planning.models import BranchPlanningSettings, CalendarOverride

D = datetime.date


def test_public_holidays_are_not_working_days():
    rules = calendar.BranchRules()
    # National Day 2026: 1–7 October off.
    assert not rules.is_working_day(D(2026, 10, 1))
    assert not rules.is_working_day(D(2026, 10, 7))
    assert rules.is_working_day(D(2026, 10, 8))


def test_adjusted_working_saturday_is_a_working_day():
    rules = calendar.BranchRules()
    assert D(2026, 10, 10).weekday() == 5
    assert rules.is_working_day(D(2026, 10, 10))
    assert not rules.is_working_day(D(2026, 10, 17))  # an ordinary Saturday


def test_holiday_week_and_adjusted_week_counts():
    rules = calendar.BranchRules()
    assert rules.count(D(2026, 9, 28), D(2026, 10, 4)) == 3  # Mon–Wed, then National Day
    assert rules.count(D(2026, 10, 5), D(2026, 10, 11)) == 3  # Thu, Fri, adjusted Sat


def test_year_without_published_schedule_falls_back_to_weekdays():
    rules = calendar.BranchRules()
    assert rules.count(D(2030, 1, 7), D(2030, 1, 13)) == 5


def test_branch_weekdays_and_overrides(db, org):
    BranchPlanningSettings.objects.create(branch=org.branch, working_weekdays="012345")
    CalendarOverride.objects.create(branch=org.branch, date=D(2026, 11, 25), is_working_day=False)
    CalendarOverride.objects.create(branch=org.branch, date=D(2026, 10, 3), is_working_day=True)
    week = calendar.working_days(org.branch.pk, D(2026, 11, 23), D(2026, 11, 29))
    assert week == [D(2026, 11, d) for d in (23, 24, 26, 27, 28)]  # Saturday works, Wed off
    assert calendar.is_working_day(org.branch.pk, D(2026, 10, 3))  # override beats the holiday
    assert not calendar.is_working_day(org.other_branch.pk, D(2026, 11, 28))


def test_rules_load_in_two_queries(db, org, django_assert_num_queries):
    with django_assert_num_queries(2):  # settings + overrides
        rules = calendar.rules_for(org.branch.pk, D(2026, 1, 1), D(2026, 12, 31))
    with django_assert_num_queries(0):
        assert rules.count(D(2026, 1, 1), D(2026, 12, 31)) > 240


def test_rules_of_several_branches_load_in_two_queries(db, org, django_assert_num_queries):
    BranchPlanningSettings.objects.create(branch=org.branch, working_weekdays="012345")
    CalendarOverride.objects.create(
        branch=org.other_branch, date=D(2026, 11, 25), is_working_day=False
    )
    CalendarOverride.objects.create(branch=org.branch, date=D(2027, 1, 4), is_working_day=False)
    with django_assert_num_queries(2):
        rules = calendar.rules_for_branches(
            [org.branch.pk, org.other_branch.pk], D(2026, 11, 1), D(2026, 11, 30)
        )
    assert rules[org.branch.pk].is_working_day(D(2026, 11, 28))  # works Saturdays
    assert not rules[org.other_branch.pk].is_working_day(D(2026, 11, 28))
    assert not rules[org.other_branch.pk].is_working_day(D(2026, 11, 25))  # its override
    assert rules[org.branch.pk].is_working_day(D(2026, 11, 25))
    # Each branch's rules equal what rules_for gives it alone.
    for branch in (org.branch, org.other_branch):
        alone = calendar.rules_for(branch.pk, D(2026, 11, 1), D(2026, 11, 30))
        assert rules[branch.pk] == alone
