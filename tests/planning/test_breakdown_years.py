"""A year in a breakdown URL outside the supported years is no page (404), not a 500."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("year", [0, 1999, 2100, 99999])
def test_an_impossible_year_is_not_found(org, client_for, year):
    client = client_for(org.rm)
    region_url = reverse(
        "planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": year}
    )
    member_url = reverse("planning:breakdown_member", kwargs={"user_id": org.am.pk, "year": year})
    assert client.get(region_url).status_code == 404
    assert client.post(region_url, {"action": "save"}).status_code == 404
    assert client.get(member_url).status_code == 404


@pytest.mark.parametrize("year", [2000, 2099])
def test_the_first_and_last_supported_years_open(org, client_for, year):
    url = reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": year})
    assert client_for(org.rm).get(url).status_code == 200
