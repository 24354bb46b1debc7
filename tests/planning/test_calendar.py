import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from planning import calendar, services
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


def test_days_the_law_fixes_are_days_off_in_a_year_not_published_yet(db, org):
    """元旦, 1–2 May and 1–3 October are holidays by law, whatever the State Council's
    schedule adds around them; chinese-calendar 1.11 stops at 2026."""
    rules = calendar.BranchRules()
    for day in (D(2099, 1, 1), D(2099, 5, 1), D(2099, 10, 1), D(2099, 10, 2)):
        assert not rules.is_working_day(day), day  # Thursdays and Fridays
    assert rules.is_working_day(D(2099, 1, 2)) and rules.is_working_day(D(2099, 10, 5))
    assert rules.count(D(2027, 1, 1), D(2027, 1, 31)) == 20  # 21 weekdays, 元旦 off
    assert rules.count(D(2026, 12, 28), D(2027, 1, 3)) == 4  # week 53: Mon–Thu
    # A branch that works on 元旦 says so with an override, which wins.
    CalendarOverride.objects.create(branch=org.branch, date=D(2027, 1, 1), is_working_day=True)
    assert calendar.is_working_day(org.branch.pk, D(2027, 1, 1))
    # Only the dates fixed by law: the rest of 2027's schedule is still unknown.
    assert calendar.holidays_unknown(org.branch.pk, 2027)


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


# --- holidays Footwork does not know yet ----------------------------------------------
# 2099: a year no chinese-calendar release will carry while this code lives.


# The seven public holiday periods of a year, as the admin enters them (元旦 … 国庆).
HOLIDAYS_2099 = [
    (D(2099, 1, 1), D(2099, 1, 1)),
    (D(2099, 1, 21), D(2099, 1, 27)),
    (D(2099, 4, 4), D(2099, 4, 6)),
    (D(2099, 5, 1), D(2099, 5, 5)),
    (D(2099, 6, 15), D(2099, 6, 15)),
    (D(2099, 9, 25), D(2099, 9, 25)),
    (D(2099, 10, 1), D(2099, 10, 7)),
]


def test_a_year_without_published_holidays_is_unknown_until_its_holidays_are_entered(db, org):
    """QA entered 元旦 and 春节 for 2027 and the warning went, with 清明 to 国庆 still
    counted as working days."""
    assert not calendar.holidays_unknown(org.branch.pk, 2026)
    assert calendar.holidays_unknown(org.branch.pk, 2099)
    CalendarOverride.objects.create(branch=org.branch, date=D(2099, 10, 9), is_working_day=True)
    assert calendar.holidays_unknown(org.branch.pk, 2099)  # a 调休 day says nothing of holidays
    for first, last in HOLIDAYS_2099[:6]:
        services.calendar_period_set(
            branch_ids=[org.branch.pk], first=first, last=last, is_working_day=False
        )
    assert calendar.holidays_unknown(org.branch.pk, 2099)  # six of seven periods
    assert calendar.holidays_unknown_somewhere(2099)
    first, last = HOLIDAYS_2099[6]
    services.calendar_period_set(
        branch_ids=[org.branch.pk], first=first, last=last, is_working_day=False
    )
    assert not calendar.holidays_unknown(org.branch.pk, 2099)
    assert calendar.holidays_unknown(org.other_branch.pk, 2099)
    assert calendar.holidays_unknown_somewhere(2099)  # the other branch


def test_a_holiday_period_is_entered_for_several_branches_at_once(db, org):
    CalendarOverride.objects.create(
        branch=org.branch, date=D(2099, 2, 1), is_working_day=True, note="旧"
    )
    written = services.calendar_period_set(
        branch_ids=[org.branch.pk, org.other_branch.pk],
        first=D(2099, 1, 31),
        last=D(2099, 2, 6),
        is_working_day=False,
        note="春节",
    )
    assert written == 14
    days = CalendarOverride.objects.filter(branch=org.branch).order_by("date")
    assert [(o.date.day, o.is_working_day, o.note) for o in days][:2] == [
        (31, False, "春节"),
        (1, False, "春节"),  # replaced, not doubled
    ]
    rules = calendar.rules_for(org.other_branch.pk)
    assert rules.count(D(2099, 2, 2), D(2099, 2, 6)) == 0  # Mon–Fri of the holiday


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [(D(2099, 2, 6), D(2099, 2, 1), "before"), (D(2099, 1, 1), D(2099, 3, 1), "31")],
)
def test_a_holiday_period_backwards_or_too_long_is_refused(db, org, first, last, words):
    with translation.override("en"), pytest.raises(ValidationError, match=words):
        services.calendar_period_set(
            branch_ids=[org.branch.pk], first=first, last=last, is_working_day=False
        )
    assert not CalendarOverride.objects.exists()


def test_the_admin_enters_a_holiday_from_the_overrides_list(admin_client, org, monkeypatch):
    monkeypatch.setattr(calendar, "PUBLISHED_YEARS", frozenset({2026}))
    changelist = reverse("admin:planning_calendaroverride_changelist")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC)):
        html = admin_client.get(changelist).content.decode()
    assert html.count('data-testid="holidays-unknown"') == 1 and "2027" in html
    add = reverse("admin:planning_calendaroverride_add_period")
    assert f'href="{add}"' in html
    form = {"branches": [org.branch.pk], "first": "2027-02-06", "last": "2027-02-12"}
    response = admin_client.post(add, {**form, "is_working_day": "0", "note": "春节"})
    assert response.status_code == 302 and response.url == changelist
    assert CalendarOverride.objects.filter(branch=org.branch, is_working_day=False).count() == 7
    # A bad period re-renders with the error and what was typed.
    response = admin_client.post(add, {**form, "last": "2027-02-01", "is_working_day": "0"})
    assert response.status_code == 200 and "2027-02-06" in response.content.decode()
    assert CalendarOverride.objects.count() == 7
    # Spring Festival alone for every branch: the other six holidays are still unknown.
    admin_client.post(add, {**form, "branches": [org.other_branch.pk], "is_working_day": "0"})
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC)):
        html = admin_client.get(changelist).content.decode()
    assert 'data-testid="holidays-unknown"' in html
    # What is left to enter, branch by branch.
    assert html.count('data-testid="holidays-missing"') == 2
    # 元旦 2027, a Friday, is known by law.
    assert f"{org.branch.name}尚未录入：清明节、劳动节、端午节、中秋节、国庆节。" in html
    # In English the holidays are listed with commas, not the Chinese 、 (sweep).
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC)):
        html = admin_client.get(changelist).content.decode()
    assert "Tomb-sweeping Day, Labour Day, Dragon Boat Festival, " in html
    admin_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    # Every holiday entered for every branch, 2027 is no longer warned of.
    for first, last in HOLIDAYS_2099:
        services.calendar_period_set(
            branch_ids=[org.branch.pk, org.other_branch.pk],
            first=first.replace(year=2027),
            last=last.replace(year=2027),
            is_working_day=False,
        )
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC)):
        html = admin_client.get(changelist).content.decode()
    assert 'data-testid="holidays-unknown"' not in html


def test_a_planner_splitting_a_year_without_holidays_is_warned(client_for, org):
    url = reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": 2099})
    assert 'data-testid="holidays-unknown"' in client_for(org.rm).get(url).content.decode()
    url = reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": 2026})
    assert 'data-testid="holidays-unknown"' not in client_for(org.rm).get(url).content.decode()


@pytest.mark.parametrize(
    ("start", "warned"),
    [
        ("2098-12-29", True),  # a week into an unknown year, over its 元旦
        ("2026-12-21", False),  # a known year
        ("2099-03-09", False),  # an unknown year, but no holiday can fall in the week
    ],
)
def test_plan_pages_paced_over_a_year_without_holidays_are_warned(client_for, org, start, warned):
    url = reverse("planning:region", kwargs={"region_id": org.region.pk})
    html = client_for(org.rm).get(f"{url}?period=week&start={start}").content.decode()
    assert ('data-testid="holidays-unknown"' in html) is warned


def test_an_ams_plan_in_a_year_without_holidays_is_warned(client_for, org):
    url = reverse("planning:member", kwargs={"user_id": org.am.pk})
    with time_machine.travel(datetime.datetime(2099, 1, 5, 2, tzinfo=datetime.UTC)):
        html = client_for(org.am).get(url).content.decode()
    assert "系统尚未收录 2099 年的法定节假日" in html


def test_only_the_admin_enters_holiday_periods(client_for, org):
    add = reverse("admin:planning_calendaroverride_add_period")
    for person in (org.rm, org.branch_head):
        response = client_for(person).post(add, {"branches": [org.branch.pk]})
        assert response.status_code == 302 and "/admin/login/" in response.url
    assert not CalendarOverride.objects.exists()


def test_the_admin_ticks_working_days_by_name(admin_client, org):
    """QA (a new branch): the admin's page asked for digit codes ("01234"); the days are
    tick boxes with their names, stored as before."""
    url = reverse("admin:planning_branchplanningsettings_add")
    page = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="working_weekdays" value="5"' in page and "星期六" in page
    response = admin_client.post(
        url,
        {
            "branch": org.branch.pk,
            "working_weekdays": ["5", "0", "1", "2", "3", "4"],
            "review_deadline_weekday": "0",
            "review_deadline_time": "09:00",
            "completion_cap": "150",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    settings = BranchPlanningSettings.objects.get(branch=org.branch)
    assert settings.working_weekdays == "012345"
    listing = admin_client.get(reverse("admin:planning_branchplanningsettings_changelist"))
    assert "星期一、星期二、星期三、星期四、星期五、星期六" in listing.content.decode()
    change = admin_client.get(
        reverse("admin:planning_branchplanningsettings_change", args=[settings.pk])
    ).content.decode()
    ticked = re.findall(r'name="working_weekdays" value="(\d)"[^>]*checked', change)
    assert ticked == ["0", "1", "2", "3", "4", "5"]


def test_new_planning_settings_start_from_the_defaults_and_keep_a_working_day(admin_client, org):
    """QA added a branch's settings only to move the review deadline: the page ticked no
    working day and offered Monday, and saving stored a week nobody works in."""
    url = reverse("admin:planning_branchplanningsettings_add")
    page = admin_client.get(url).content.decode()
    ticked = re.findall(r'name="working_weekdays" value="(\d)"[^>]*checked', page)
    assert ticked == ["0", "1", "2", "3", "4"]
    assert re.search(r'<option value="5" selected>', page)
    response = admin_client.post(
        url,
        {
            "branch": org.branch.pk,
            "review_deadline_weekday": "4",
            "review_deadline_time": "18:30",
            "completion_cap": "150",
        },
    )
    form = response.context["adminform"].form
    assert list(form.errors) == ["working_weekdays"]
    assert 'value="18:30"' in response.content.decode()  # what was typed stays
    assert not BranchPlanningSettings.objects.exists()


def _enter(branch, first, last, *, working=False, note=""):
    services.calendar_period_set(
        branch_ids=[branch.pk], first=first, last=last, is_working_day=working, note=note
    )


@time_machine.travel(datetime.datetime(2027, 1, 20, 2, tzinfo=datetime.UTC), tick=False)
def test_january_pages_stop_warning_once_元旦_and_春节_are_entered(client_for, org):
    """December 2026: the admin enters 2027's 元旦 and 春节 (with its 调休 Saturday) as
    the State Council's schedule comes out. An AM's plan in January no longer warns; a
    page over the spring still does, and so does the year's breakdown, until 清明 … 国庆
    are entered too. Before, every page touching 2027 warned all year."""
    url = reverse("planning:member", kwargs={"user_id": org.am.pk})
    # 20 January: this month and week, where 春节 may fall (from 18 January).
    assert "系统尚未收录 2027 年的法定节假日" in client_for(org.am).get(url).content.decode()
    # 元旦 2027 is a Friday: 1 January alone, known by law; week 53 is not warned of.
    region = reverse("planning:region", kwargs={"region_id": org.region.pk})
    html = client_for(org.rm).get(f"{region}?period=week&start=2026-12-28").content.decode()
    assert 'data-testid="holidays-unknown"' not in html
    _enter(org.branch, D(2027, 1, 1), D(2027, 1, 3), note="元旦")
    _enter(org.branch, D(2027, 2, 6), D(2027, 2, 13), note="春节")
    _enter(org.branch, D(2027, 2, 20), D(2027, 2, 20), working=True, note="春节调休")
    assert 'data-testid="holidays-unknown"' not in client_for(org.am).get(url).content.decode()
    for start, warned in (("2027-01-01", False), ("2027-02-01", False), ("2027-04-01", True)):
        html = client_for(org.rm).get(f"{region}?start={start}").content.decode()
        assert ('data-testid="holidays-unknown"' in html) is warned, start
    missing = calendar.holidays_not_entered(org.branch.pk, 2027)
    assert [str(name) for name in missing] == ["清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    breakdown = reverse(
        "planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": 2027}
    )
    assert 'data-testid="holidays-unknown"' in client_for(org.rm).get(breakdown).content.decode()


def test_中秋_merged_into_national_day_counts_for_both(db, org):
    """2028's 中秋 is on 3 October: one run of days off, 1–8 October, for two holidays.
    Counting runs, the year stayed "unknown" with every holiday entered."""
    for first, last in [
        (D(2028, 1, 1), D(2028, 1, 3)),
        (D(2028, 1, 25), D(2028, 2, 1)),
        (D(2028, 4, 2), D(2028, 4, 4)),
        (D(2028, 5, 1), D(2028, 5, 5)),
        (D(2028, 5, 28), D(2028, 5, 30)),
        (D(2028, 10, 1), D(2028, 10, 8)),
    ]:
        _enter(org.branch, first, last)
    assert not calendar.holidays_unknown(org.branch.pk, 2028)
    assert calendar.years_without_holidays(org.branch.pk, D(2028, 1, 1), D(2028, 12, 31)) == []


def test_weeks_of_february_2027_split_it_over_the_working_days_the_admin_entered(db, org):
    """2027's 春节 comes from the admin (8–12 February off, Saturday the 20th worked):
    February has 16 working days. Each week's target is its share of the month's 160
    visits, whichever week's page asks, and the four add up to the month."""
    from activity.models import Metric
    from planning import selectors
    from planning.models import Target

    _enter(org.branch, D(2027, 2, 6), D(2027, 2, 13), note="春节")
    _enter(org.branch, D(2027, 2, 20), D(2027, 2, 20), working=True, note="春节调休")
    visits = Metric.objects.get(code="visits")
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="month",
        period_start=D(2027, 2, 1),
        value=160,
        updated_by=org.rm,
    )

    def week_target(monday):
        sheet = selectors.am_sheet(org.am, org.region, "week", monday, today=D(2027, 2, 3))
        return next(line.target for line in sheet.lines if line.metric == visits)

    weeks = [D(2027, 2, 1), D(2027, 2, 8), D(2027, 2, 15), D(2027, 2, 22)]
    assert [week_target(monday) for monday in weeks] == [50, 0, 60, 50]


def test_february_29_2028_is_a_working_day_of_february_and_of_its_week(db, org):
    """A leap year Footwork's calendar data does not reach: Tuesday 29 February 2028 is
    February's 21st working day, and the week of 28 February takes two days of
    February (10 visits a day) and three of March (10 a day)."""
    from activity.models import Metric
    from planning import selectors
    from planning.models import Target

    visits = Metric.objects.get(code="visits")
    for month, value in ((D(2028, 2, 1), 210), (D(2028, 3, 1), 230)):
        Target.objects.create(
            user=org.am,
            metric=visits,
            period_kind="month",
            period_start=month,
            value=value,
            updated_by=org.rm,
        )
    month = selectors.am_sheet(org.am, org.region, "month", D(2028, 2, 1), today=D(2028, 2, 29))
    assert (month.elapsed_days, month.working_days, month.lines[0].expected) == (20, 21, 200)
    week = selectors.am_sheet(org.am, org.region, "week", D(2028, 2, 28), today=D(2028, 2, 29))
    assert (week.working_days, week.lines[0].target) == (5, 20 + 30)


def test_the_admin_is_asked_on_their_home_page_to_enter_next_years_holidays(client_for, org):
    """From November the State Council's schedule for next year is out. Only the overrides
    list said 2027 was unknown; an admin who never opened it left 春节 a working week."""
    home = reverse("accounts:home")
    december = datetime.datetime(2026, 12, 1, 2, tzinfo=datetime.UTC)
    with time_machine.travel(december, tick=False):
        html = client_for(org.admin).get(home).content.decode()
        assert html.count('data-testid="holidays-to-enter"') == 1
        assert "系统尚未收录 2027 年的法定节假日：录入之前" in html
        assert reverse("admin:planning_calendaroverride_changelist") in html
        # Not the branch head's to do.
        html = client_for(org.branch_head).get(home).content.decode()
        assert 'data-testid="holidays-to-enter"' not in html
    with time_machine.travel(datetime.datetime(2026, 6, 1, 2, tzinfo=datetime.UTC), tick=False):
        html = client_for(org.admin).get(home).content.decode()
        assert 'data-testid="holidays-to-enter"' not in html  # too early to ask
    for first, last in HOLIDAYS_2099:
        services.calendar_period_set(
            branch_ids=[org.branch.pk, org.other_branch.pk],
            first=first.replace(year=2027),
            last=last.replace(year=2027),
            is_working_day=False,
        )
    with time_machine.travel(december, tick=False):
        html = client_for(org.admin).get(home).content.decode()
    assert 'data-testid="holidays-to-enter"' not in html


def test_the_settings_list_names_the_working_days_in_the_readers_language(admin_client, org):
    """Sweep: the English admin listed 'Monday、Tuesday、…' with the Chinese 、."""
    BranchPlanningSettings.objects.update_or_create(
        branch=org.branch, defaults={"working_weekdays": "0123"}
    )
    url = reverse("admin:planning_branchplanningsettings_changelist")
    assert "星期一、星期二、星期三、星期四" in admin_client.get(url).content.decode()
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Monday, Tuesday, Wednesday, Thursday" in admin_client.get(url).content.decode()


@pytest.mark.parametrize(
    "typed",
    ["2027年2月20日", "2027年02月20日", "2027/2/20", "２０２７／２／２０", "２０２７年２月２０日"],
)
def test_the_admin_types_a_调休_day_as_written_in_chinese(admin_client, org, typed):
    """Django's 简体中文 date format for 2027年2月20日 is broken (%n, %j), and its formats
    take no full-width digits: the admin's date box refused the way a Chinese admin
    writes a day."""
    add = reverse("admin:planning_calendaroverride_add")
    response = admin_client.post(
        add, {"branch": org.branch.pk, "date": typed, "is_working_day": "on", "note": "调休"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    override = CalendarOverride.objects.get(branch=org.branch)
    assert (override.date, override.is_working_day) == (datetime.date(2027, 2, 20), True)
