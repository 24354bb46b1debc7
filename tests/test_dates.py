"""Dates typed into links and forms: a day no calendar page can show is refused, never a 500."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from config.converters import FIRST_DAY, LAST_DAY, parse_day, parse_month

EXTREMES = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-23", datetime.date(2026, 11, 23)),
        ("2000-01-01", FIRST_DAY),
        ("2099-12-31", LAST_DAY),
        ("2026-02-30", None),
        ("2026-11", None),
        ("", None),
        # As a Chinese user writes a day: with slashes or dots, in 年月日, in full width.
        ("2026/12/28", datetime.date(2026, 12, 28)),
        ("2026/1/5", datetime.date(2026, 1, 5)),
        ("2026.12.28", datetime.date(2026, 12, 28)),
        ("2026年12月28日", datetime.date(2026, 12, 28)),
        ("2026年1月5日", datetime.date(2026, 1, 5)),
        ("２０２６－１２－２８", datetime.date(2026, 12, 28)),
        ("２０２６／１２／２８", datetime.date(2026, 12, 28)),
        (" 2026-12-28 ", datetime.date(2026, 12, 28)),
        ("2028/2/29", datetime.date(2028, 2, 29)),
        ("2027/2/29", None),
        ("2026/13/1", None),
        ("2026/12/28/", None),
        ("٢٠٢٦-١٢-٢٨", None),  # other scripts' digits: nobody types a date so
        ("9999/12/31", None),
        *[(text, None) for text in EXTREMES],
    ],
)
def test_parse_day(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize("text", EXTREMES)
def test_a_day_outside_the_supported_years_in_a_path_is_not_found(client_for, org, text):
    assert client_for(org.am).get(f"/logs/{text}/edit/").status_code == 404


@pytest.mark.parametrize("text", EXTREMES)
def test_query_dates_outside_the_supported_years_fall_back_or_are_refused(client_for, org, text):
    rm, head = client_for(org.rm), None
    assert (
        rm.get(reverse("activity:week_grid", args=[org.region.pk]) + f"?week={text}").status_code
        == 200
    )
    assert rm.get(reverse("activity:my_logs") + f"?month={text[:7]}").status_code in (200, 403)
    head = client_for(org.branch_head)
    assert head.get(reverse("accounts:home") + f"?day={text}").status_code == 200
    response = head.get(reverse("reports:summary") + f"?start={text}&end={text}")
    assert response.status_code == 200
    assert 'data-testid="period-errors"' in response.content.decode()
    assert head.get(reverse("reports:summary_export") + f"?start={text}").status_code == 200


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-12", datetime.date(2026, 12, 1)),
        ("2026/12", datetime.date(2026, 12, 1)),
        ("2026/1", datetime.date(2026, 1, 1)),
        ("2026年12月", datetime.date(2026, 12, 1)),
        ("２０２６－１２", datetime.date(2026, 12, 1)),
        ("2026-12-28", datetime.date(2026, 12, 1)),  # a day: its month
        ("2026-13", None),
        ("2026", None),
        ("9999-12", None),
        ("", None),
    ],
)
def test_parse_month(text, month):
    assert parse_month(text) == month


SHANGHAI_NOON = datetime.datetime(
    2027, 1, 6, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.mark.parametrize("text", ["2026/12/28", "2026年12月30日", "２０２６－１２－２８"])
def test_a_week_typed_as_a_chinese_user_writes_it_shows_that_week(client_for, org, text):
    """?week=2026/12/28 showed this week's grid without a word."""
    with time_machine.travel(SHANGHAI_NOON, tick=False):
        response = client_for(org.rm).get(
            reverse("activity:week_grid", args=[org.region.pk]), {"week": text}
        )
    assert response.context["start"] == datetime.date(2026, 12, 28)


@pytest.mark.parametrize("text", ["2026/12", "2026年12月", "２０２６－１２", "2026-12-05"])
def test_a_month_typed_as_a_chinese_user_writes_it_shows_that_month(client_for, org, text):
    with time_machine.travel(SHANGHAI_NOON, tick=False):
        response = client_for(org.am).get(reverse("activity:my_logs"), {"month": text})
    assert response.context["month"] == datetime.date(2026, 12, 1)


def test_the_summary_reads_a_period_typed_in_年月日(client_for, org):
    response = client_for(org.branch_head).get(
        reverse("reports:summary"), {"start": "2026年11月23日", "end": "2026年11月29日"}
    )
    assert response.context["form"].period() == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
    )


@pytest.mark.parametrize("start", ["２０２６－１１－２３", "２０２６年１１月２３日", "2026.11.23"])
def test_the_summary_reads_a_period_typed_in_full_width_or_with_dots(client_for, org, start):
    response = client_for(org.branch_head).get(reverse("reports:summary"), {"start": start})
    assert not response.context["form"].errors
    assert response.context["form"].period() == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
    )


def test_a_day_outside_the_supported_years_typed_any_way_is_refused_with_the_range(client_for, org):
    response = client_for(org.branch_head).get(reverse("reports:summary"), {"start": "1999/12/31"})
    assert "start" in response.context["form"].errors


@pytest.mark.parametrize(
    ("admin_class", "model", "field"),
    [
        ("UserAdmin", "User", "hire_date"),
        ("MembershipInline", "RegionMembership", "start_date"),
        ("RegionAdmin", "Region", "closed_on"),
    ],
)
def test_the_admins_date_boxes_read_full_width_digits_and_年月日(admin_class, model, field):
    """The admin's date boxes are text boxes: an input method in full-width mode types
    ２０２６／３／１, which was "not a valid date", and so was 2026年3月1日."""
    from django.contrib import admin

    from accounts import admin as admins
    from accounts import models

    model = getattr(models, model)
    model_admin = getattr(admins, admin_class)(model, admin.site)
    box = model_admin.formfield_for_dbfield(model._meta.get_field(field), request=None)
    for typed in ("２０２６／３／１", "2026年3月1日", "2026-03-01"):
        assert box.clean(typed) == datetime.date(2026, 3, 1)
