"""Staff export: the import format, formula-safe, and a no-op when re-imported."""

import tracemalloc
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import staff_import as si
from accounts.models import Area, Branch, Region, RegionMembership, Role, User
from accounts.staff_export import spreadsheet_safe, staff_export_workbook
from tests import factories as f
from tests.accounts import staff_sheets as sheets
from tests.accounts.staff_sheets import HEADERS


def rows_of(content: bytes):
    sheet = load_workbook(BytesIO(content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.django_db
def test_it_works(org, client_for):
    response = client_for(org.admin).get(reverse("accounts:staff_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(response.content)
    assert rows[0] == HEADERS
    by_no = {r[0]: r for r in rows[1:]}
    assert org.deactivated.employee_no not in by_no  # current staff only
    am = by_no[org.am.employee_no]
    assert am[4:9] == ["客户经理", org.branch.name, org.area.name, "东", org.rm.employee_no]
    rm = by_no[org.rm.employee_no]
    assert rm[4:9] == [
        "区域经理",
        org.branch.name,
        org.area.name,
        "东",
        org.area_manager.employee_no,
    ]
    head = by_no[org.other_branch_head.employee_no]
    assert head[4:6] == ["分公司负责人", org.other_branch.name]


@pytest.mark.django_db
def test_export_then_reimport_is_a_no_op(org):
    before_members = list(
        RegionMembership.objects.values_list("user_id", "region_id", "start_date", "end_date")
    )
    before_regions = list(Region.objects.values_list("pk", "manager_id", "area_id"))
    outcome = si.run_import(
        name="export.xlsx",
        data=staff_export_workbook(),
        import_date=timezone.localdate(),
        dry_run=False,
        acting_user_id=org.admin.pk,
    )
    assert outcome.errors == [] and outcome.failure == ""
    active = User.objects.filter(is_active=True).count()
    assert outcome.counts == {"new": 0, "updated": 0, "unchanged": active, "deactivated": 0}
    assert (
        list(RegionMembership.objects.values_list("user_id", "region_id", "start_date", "end_date"))
        == before_members
    )
    assert list(Region.objects.values_list("pk", "manager_id", "area_id")) == before_regions


@pytest.mark.django_db
def test_cells_that_would_be_formulas_are_escaped_and_survive_a_round_trip(org):
    org.am.name = '=HYPERLINK("http://evil","x")'
    org.am.save()
    org.peer_am.name = "@SUM(1)"
    org.peer_am.save()
    content = staff_export_workbook()
    rows = {r[0]: r for r in rows_of(content)[1:]}
    assert rows[org.am.employee_no][1] == '\'=HYPERLINK("http://evil","x")'
    assert rows[org.peer_am.employee_no][1] == "'@SUM(1)"
    sheet = load_workbook(BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    outcome = si.run_import(
        name="export.xlsx",
        data=content,
        import_date=timezone.localdate(),
        dry_run=True,
        acting_user_id=org.admin.pk,
    )
    assert outcome.counts["updated"] == 0  # the apostrophe comes off again on import


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        (5, 5),
        ("", ""),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_staff(
    org, client_for, django_assert_max_num_queries
):
    client = client_for(org.admin)
    # session + user, then staff, all users' numbers, regions, areas, branches, open
    # memberships: 8 whatever the head count.
    with django_assert_max_num_queries(8):
        client.get(reverse("accounts:staff_export"))


def _org_state():
    return (
        list(
            RegionMembership.objects.order_by("pk").values_list("user_id", "region_id", "end_date")
        ),
        list(Region.objects.order_by("pk").values_list("pk", "manager_id", "area_id")),
        list(Area.objects.order_by("pk").values_list("pk", "manager_id")),
        list(Branch.objects.order_by("pk").values_list("pk", "head_id")),
        list(User.objects.order_by("pk").values_list("pk", "role", "is_active")),
    )


def _reimport(org, content=None):
    return si.run_import(
        name="export.xlsx",
        data=content or staff_export_workbook(),
        import_date=timezone.localdate(),
        dry_run=False,
        acting_user_id=org.admin.pk,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.REGIONAL_MANAGER, Role.ACCOUNT_MANAGER, Role.AREA_MANAGER, Role.BRANCH_HEAD]
)
def test_someone_not_placed_yet_is_exported_and_read_back_as_they_are(org, role):
    """QA: an RM whose region was not set up yet was exported with blank 分公司 and 区域,
    and the file the export had just written was refused: 角色为“区域经理”时必须填写。"""
    newcomer = f.UserFactory(role=role, name="新来的")
    row = {r[0]: r for r in rows_of(staff_export_workbook())[1:]}[newcomer.employee_no]
    assert row[5:8] == [None, None, None]
    before = _org_state()
    outcome = _reimport(org)
    assert outcome.errors == [] and outcome.failure == ""
    active = User.objects.filter(is_active=True).count()
    assert outcome.counts == {"new": 0, "updated": 0, "unchanged": active, "deactivated": 0}
    assert _org_state() == before
    numbers = [r[0] for r in rows_of(staff_export_workbook())]
    (notice,) = outcome.notices
    assert (notice["row"], notice["column"]) == (numbers.index(newcomer.employee_no) + 1, "分公司")
    assert "尚未安排" in notice["text"]


@pytest.mark.django_db
def test_a_blank_place_is_still_refused_for_someone_placed_or_new(org):
    rows = [
        sheets.person(org.am.employee_no, org.am.name, branch="", region=""),
        sheets.person("N900", "新员工", role="区域经理", branch="", region=""),
    ]
    outcome = si.run_import(
        name="s.xlsx",
        data=sheets.xlsx(rows),
        import_date=timezone.localdate(),
        dry_run=True,
        acting_user_id=org.admin.pk,
    )
    assert {(e["row"], e["column"]) for e in outcome.errors} == {
        (2, "分公司"),
        (2, "区域"),
        (3, "分公司"),
        (3, "区域"),
    }


@pytest.mark.django_db
def test_an_area_manager_of_two_areas_keeps_both(org):
    """QA: the export wrote only the first of an area manager's areas, and reading the file
    back took the other from them (不再担任 乙 的片区经理)."""
    second = f.AreaFactory(branch=org.branch, manager=org.area_manager, name="乙片区")
    first_name = org.area.name
    row = {r[0]: r for r in rows_of(staff_export_workbook())[1:]}[org.area_manager.employee_no]
    # In pinyin order, 片 (piàn) before 乙 (yǐ); SQLite keeps code-point order.
    pinyin = connection.vendor == "postgresql"
    assert row[6] == "、".join([first_name, "乙片区"] if pinyin else ["乙片区", first_name])
    before = _org_state()
    outcome = _reimport(org)
    assert outcome.errors == [] and outcome.failure == ""
    assert outcome.counts["updated"] == 0
    assert _org_state() == before
    second.refresh_from_db()
    assert second.manager == org.area_manager


@pytest.mark.django_db
def test_a_head_of_two_branches_keeps_both(org):
    """QA: the export wrote only the first of a branch head's branches, and reading the file
    back took the other from them (and its 直属 region's sign-offs with it)."""
    second = f.BranchFactory(head=org.branch_head, name="乙分公司")
    direct = f.RegionFactory(branch=second, manager=org.branch_head, name="直属")
    f.member(direct, name="直属员工")
    row = {r[0]: r for r in rows_of(staff_export_workbook())[1:]}[org.branch_head.employee_no]
    # In pinyin order, 分 (fēn) before 乙 (yǐ); SQLite keeps code-point order.
    pinyin = connection.vendor == "postgresql"
    assert row[5] == "、".join(
        [org.branch.name, "乙分公司"] if pinyin else ["乙分公司", org.branch.name]
    )
    before = _org_state()
    outcome = _reimport(org)
    assert outcome.errors == [] and outcome.failure == ""
    assert outcome.counts["updated"] == 0
    assert _org_state() == before
    second.refresh_from_db()
    direct.refresh_from_db()
    assert (second.head, direct.manager) == (org.branch_head, org.branch_head)


@pytest.mark.django_db
def test_a_branch_head_takes_several_branches_from_the_file(org):
    """HR types the branches with a comma; the head of each is the one row's person."""
    rows = [
        sheets.person(
            org.other_branch_head.employee_no,
            org.other_branch_head.name,
            role="分公司负责人",
            branch=f"{org.other_branch.name}，丙分公司",
            area="",
            region="",
        )
    ]
    outcome = si.run_import(
        name="s.xlsx",
        data=sheets.xlsx(rows),
        import_date=timezone.localdate(),
        dry_run=False,
        acting_user_id=org.admin.pk,
    )
    assert outcome.errors == [], outcome.errors
    assert sorted(
        Branch.objects.filter(head=org.other_branch_head).values_list("name", flat=True)
    ) == sorted([org.other_branch.name, "丙分公司"])


@pytest.mark.django_db
def test_an_area_manager_takes_several_areas_and_nobody_else_does(org):
    rows = [
        sheets.person(
            "A900",
            "新片区经理",
            role="片区经理",
            branch=org.branch.name,
            area="丙片区、丁片区",
            region="",
        ),
        sheets.person(
            "M900", "新客户经理", branch=org.branch.name, area="丙片区、丁片区", region="新区"
        ),
    ]
    check = si.run_import(
        name="s.xlsx",
        data=sheets.xlsx(rows),
        import_date=timezone.localdate(),
        dry_run=True,
        acting_user_id=org.admin.pk,
    )
    assert [(e["row"], e["column"]) for e in check.errors] == [(3, "片区")]
    outcome = si.run_import(
        name="s.xlsx",
        data=sheets.xlsx(rows[:1]),
        import_date=timezone.localdate(),
        dry_run=False,
        acting_user_id=org.admin.pk,
    )
    assert outcome.errors == []
    assert sorted(
        Area.objects.filter(manager__employee_no="A900").values_list("name", flat=True)
    ) == [
        "丁片区",
        "丙片区",
    ]


@pytest.mark.django_db
def test_the_export_streams_its_rows_instead_of_keeping_a_sheet_of_cells(org):
    """A whole sheet of cell objects took 10.7 MB for 2,000 people (about 5 KB each);
    written row by row it is 1.7 MB, most of it the rows read from the database."""

    def peak() -> int:
        tracemalloc.start()
        try:
            staff_export_workbook()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    staff_export_workbook()  # imports and caches first
    few = peak()
    f.UserFactory.create_batch(200)
    per_person = (peak() - few) / 200
    assert per_person < 2_500, per_person
