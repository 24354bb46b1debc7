"""Staff sheets as HR offices fill them: their words for roles, padded names, a
roster on a later sheet under a title, and one message per problem."""

from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts import staff_import as si
from accounts.models import Area, Role, User
from tests.accounts.staff_sheets import HEADERS, person, xlsx


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def check(data, name="staff.xlsx"):
    return si.run_import(name=name, data=data, import_date=timezone.localdate(), dry_run=True)


def apply(data, name="staff.xlsx"):
    return si.run_import(name=name, data=data, import_date=timezone.localdate(), dry_run=False)


def roster_workbook(rows) -> bytes:
    """Sheet 1 填写说明; sheet 2 员工花名册: a title on row 1, row 2 empty, headers on row 3."""
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = "填写说明"
    instructions.append(["员工导入填写说明"])
    instructions.append(["1. 工号必填"])
    roster = workbook.create_sheet("员工花名册")
    roster.append(["杭州分公司员工花名册"])
    roster.append([])
    roster.append(HEADERS)
    for row in rows:
        roster.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.django_db
class TestErrorReport:
    def test_it_annotates_the_sheet_the_rows_were_read_from(self, org):
        rows = [
            person("E001", "甲", branch="新分公司"),  # row 4
            person("E002", "乙", branch="新分公司", mobile="12345"),  # row 5
            person("E003", "丙", branch="新分公司", role="老板"),  # row 6
        ]
        job = si.staff_import_create(user=org.admin, name="花名册.xlsx", data=roster_workbook(rows))
        assert {e["row"] for e in job.errors} == {5, 6}
        content, ext = si.error_report(job)
        book = load_workbook(BytesIO(content))
        column = len(HEADERS) + 1
        instructions, roster = book["填写说明"], book["员工花名册"]
        assert instructions.max_column == 1
        assert [c.value for c in instructions["B"]] == [None, None]
        assert roster.cell(row=3, column=column).value in ("错误", "Errors")
        assert roster.cell(row=1, column=column).value is None
        assert roster.cell(row=4, column=column).value is None
        assert "手机" in roster.cell(row=5, column=column).value
        assert "角色" in roster.cell(row=6, column=column).value

    def test_a_csv_with_a_title_row_gets_the_heading_on_its_header_row(self, org):
        data = ("\ufeff杭州分公司员工花名册\n" + ",".join(HEADERS) + "\n").encode()
        data += (",".join(person("E001", "甲", mobile="12345")) + "\n").encode()
        job = si.staff_import_create(user=org.admin, name="staff.csv", data=data)
        assert [e["row"] for e in job.errors] == [3]
        content, _ext = si.error_report(job)
        lines = content.decode("utf-8-sig").splitlines()
        assert lines[0] == "杭州分公司员工花名册,"
        assert lines[1].endswith((",错误", ",Errors"))
        assert "手机" in lines[2]


@pytest.mark.django_db
class TestRoleSynonyms:
    @pytest.mark.parametrize(
        ("word", "role"),
        [
            ("业务员", Role.ACCOUNT_MANAGER),
            ("主管", Role.REGIONAL_MANAGER),
            ("营销中心负责人", Role.BRANCH_HEAD),
        ],
    )
    def test_hr_words_for_a_role_are_that_role(self, word, role):
        extra = {"region": ""} if role == Role.BRANCH_HEAD else {}
        outcome = apply(xlsx([person("E001", "甲", role=word, **extra)]))
        assert outcome.errors == []
        assert User.objects.get(employee_no="E001").role == role


@pytest.mark.django_db
class TestNames:
    @pytest.mark.parametrize(
        ("written", "stored"),
        [
            ("王\u3000五", "王五"),
            ("王 五", "王五"),
            (" 王　 五 ", "王五"),
            ("Li Ming", "Li Ming"),
            ("Li\u3000 Ming", "Li Ming"),
        ],
    )
    def test_spaces_that_pad_a_chinese_name_are_dropped(self, written, stored):
        outcome = apply(xlsx([person("E001", written)]))
        assert outcome.errors == []
        assert User.objects.get(employee_no="E001").name == stored

    def test_the_preview_shows_the_name_as_it_will_be_saved(self):
        outcome = check(xlsx([person("E001", "王\u3000五")]))
        assert [entry["name"] for entry in outcome.preview] == ["王五"]


@pytest.mark.django_db
class TestOneMessagePerProblem:
    def test_a_row_against_the_system_and_an_earlier_row_is_reported_once(self, org):
        west = Area.objects.create(branch=org.branch, name="城西片区")
        b, east = org.branch.name, org.region.name
        rows = [
            person("N001", "甲", branch=b, area=org.area.name, region=east),  # agrees: row 2
            person("N002", "乙", branch=b, area=west.name, region=east),  # row 3
        ]
        outcome = check(xlsx(rows))
        (error,) = outcome.errors
        assert (error["row"], error["column"]) == (3, "片区")
        assert org.area.name in error["message"]

    def test_a_new_region_named_in_two_areas_is_still_an_error(self, org):
        b = org.branch.name
        rows = [
            person("N001", "甲", branch=b, area=org.area.name, region="新区"),
            person("N002", "乙", branch=b, area="另一片区", region="新区"),
        ]
        outcome = check(xlsx(rows))
        assert [(e["row"], e["column"]) for e in outcome.errors] == [(3, "片区")]

    def test_two_different_conflicts_are_both_reported(self, org):
        # Row 2 contradicts the system, row 3 contradicts both row 2 and the system.
        b, east = org.branch.name, org.region.name
        rows = [
            person("N001", "甲", branch=b, area="城西片区", region=east),
            person("N002", "乙", branch=b, area="城北片区", region=east),
        ]
        outcome = check(xlsx(rows))
        assert sorted((e["row"], e["column"]) for e in outcome.errors) == [
            (2, "片区"),
            (3, "片区"),
            (3, "片区"),
        ]


@pytest.mark.django_db
def test_the_error_report_of_a_gbk_csv_is_readable(org):
    # Excel on a Chinese Windows saves CSV in GBK; the import reads it, so must the report.
    data = ",".join(HEADERS) + "\n" + ",".join(person("E001", "王五", mobile="12345")) + "\n"
    job = si.staff_import_create(user=org.admin, name="staff.csv", data=data.encode("gbk"))
    assert [e["row"] for e in job.errors] == [2]
    content, _ext = si.error_report(job)
    lines = content.decode("utf-8-sig").splitlines()
    assert "王五" in lines[1] and "手机" in lines[1]
