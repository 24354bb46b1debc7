"""What each manager's pages list: their own slice of the branch, never the rest.

The permission matrix checks statuses; these check the content of the pages that list
several regions at once (the summary, its export, the trend, the home overview), where a
region outside the reader's slice would show as a row and not as a 404.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Region
from tests.matrix import extra_persona

PERIOD = "?start=2026-11-09&end=2026-11-15"


@pytest.fixture
def other_area_manager(org):
    """The manager of area 乙 (region 南) of the same branch."""
    return extra_persona(org, "other_area_manager")


def _reader(org, persona, other_area_manager):
    return other_area_manager if persona == "other_area_manager" else getattr(org, persona)


# Branch 一 has regions 东 and 西 in area 甲 and, with `other_area_manager`, 南 in 乙.
SLICES = {
    "rm": ["东"],
    "other_rm": ["西"],
    "area_manager": ["东", "西"],
    "other_area_manager": ["南"],
    "branch_head": ["东", "南", "西"],
}


@pytest.mark.parametrize(("persona", "regions"), SLICES.items())
def test_the_summary_and_its_export_list_only_the_readers_regions(
    client_for, org, other_area_manager, persona, regions
):
    client = client_for(_reader(org, persona, other_area_manager))
    response = client.get(reverse("reports:summary") + PERIOD)
    assert sorted(row.label for row in response.context["summary"].rows) == regions
    response = client.get(reverse("reports:summary_export") + PERIOD)
    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = [sheet.cell(row=r, column=1).value for r in range(4, sheet.max_row + 1)]
    assert sorted(label for label in labels if label != "合计") == regions


# An RM's home is the sign-off queue, not the overview.
@pytest.mark.parametrize(
    ("persona", "regions"), [(p, r) for p, r in SLICES.items() if p not in ("rm", "other_rm")]
)
def test_the_overview_lists_only_the_readers_regions(
    client_for, org, other_area_manager, persona, regions
):
    reader = _reader(org, persona, other_area_manager)
    response = client_for(reader).get(reverse("accounts:home"))
    assert sorted(row.region.name for row in response.context["rows"]) == regions


def test_an_area_manager_finds_no_region_of_another_area(client_for, org, other_area_manager):
    region = Region.objects.get(name="南")
    client = client_for(org.area_manager)
    for url in (
        reverse("activity:week_grid", args=[region.pk]),
        reverse("reports:region", args=[region.pk]),
        reverse("planning:region", args=[region.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client_for(other_area_manager).get(reverse("reports:region", args=[region.pk])).status_code
        == 200
    )


@pytest.mark.parametrize(("persona", "regions"), SLICES.items())
def test_the_summary_and_its_export_say_which_part_of_the_branch_they_total(
    client_for, org, other_area_manager, persona, regions
):
    """An area manager's 合计 is the area's: titled with the branch alone, the page (and
    the file sent on from it) passed it for the whole branch's."""
    reader = _reader(org, persona, other_area_manager)
    part = {
        "area_manager": org.area.name,
        "other_area_manager": "乙",
        "rm": "东",
        "other_rm": "西",
        "branch_head": "",
    }[persona]
    heading = f"{org.branch.name} {part}".rstrip()
    client = client_for(reader)
    response = client.get(reverse("reports:summary") + PERIOD)
    assert response.context["summary"].part == part
    html = response.content.decode()
    assert f'data-testid="summary-title">{heading} · 各区域工作量周总结</h1>' in html
    response = client.get(reverse("reports:summary_export") + PERIOD)
    title = load_workbook(io.BytesIO(response.content)).active["A1"].value
    assert title == f"{heading} 各区域工作量周总结 2026-11-09~2026-11-15"
