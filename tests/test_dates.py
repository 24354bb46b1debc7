"""Dates typed into links and forms: a day no calendar page can show is refused, never a 500."""

import datetime

import pytest
from django.urls import reverse

from config.converters import FIRST_DAY, LAST_DAY, parse_day

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
