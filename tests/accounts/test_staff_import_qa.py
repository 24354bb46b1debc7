"""Fixes for the QA report on real HR spreadsheets (/work/qa/import.md): numbers that lost
their leading zeros, a worker that died mid-import, header variants, a displaced RM and
long previews."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from accounts import staff_import as si
from accounts.models import StaffImport, StaffImportStatus, User
from tests import factories as f
from tests.accounts.staff_sheets import HEADERS, csv_bytes, person, xlsx


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def check(data, name="staff.csv", **kwargs):
    return si.run_import(
        name=name, data=data, import_date=timezone.localdate(), dry_run=True, **kwargs
    )


def apply(data, name="staff.csv", **kwargs):
    return si.run_import(
        name=name, data=data, import_date=timezone.localdate(), dry_run=False, **kwargs
    )


def errors_at(outcome):
    return {(e["row"], e["column"]) for e in outcome.errors}


def here(org, no, name, role="客户经理", region="东", manager="", mobile="13800138000"):
    """A row for the org fixture's branch and area."""
    return person(
        no,
        name,
        role=role,
        branch=org.branch.name,
        area=org.area.name,
        region=region,
        manager=manager,
        mobile=mobile,
    )


@pytest.mark.django_db
class TestLostLeadingZeros:
    def test_a_number_without_its_zeros_is_the_existing_person(self, org):
        org.rm.employee_no, org.rm.mobile = "0104", "13800138000"
        org.rm.save()
        rows = [here(org, "104", org.rm.name, role="区域经理", mobile="13900000000")]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == []
        assert outcome.counts["new"] == 0 and outcome.counts["updated"] == 1
        [entry] = outcome.preview
        assert entry["employee_no"] == "0104"
        assert "工号 104 按 0104 处理。" in entry["changes"]
        assert any("第 2 行：104 → 0104" in n for n in outcome.notices)

        apply(csv_bytes(rows))
        assert not User.objects.filter(employee_no="104").exists()
        org.region.refresh_from_db()
        assert org.region.manager == org.rm
        assert User.objects.get(employee_no="0104").mobile == "13900000000"

    def test_the_manager_column_is_read_the_same_way(self, org):
        org.rm.employee_no = "0104"
        org.rm.save()
        outcome = check(csv_bytes([here(org, "N001", "新人", manager="104")]))
        assert outcome.errors == []
        assert outcome.counts["new"] == 1

    def test_an_unchanged_row_stays_unchanged(self, org):
        org.am.employee_no, org.am.mobile = "0002", "13800138000"
        org.am.hire_date, org.am.email = datetime.date(2024, 3, 1), ""
        org.am.save()
        outcome = check(csv_bytes([here(org, "2", org.am.name)]))
        assert outcome.errors == [], outcome.preview
        assert outcome.counts == {"new": 0, "updated": 0, "unchanged": 1, "deactivated": 0}

    def test_two_people_it_could_be_is_an_error_on_that_cell(self, org):
        org.am.employee_no, org.peer_am.employee_no = "0002", "002"
        org.am.save()
        org.peer_am.save()
        outcome = check(csv_bytes([here(org, "N001", "新人"), here(org, "2", "某人")]))
        assert errors_at(outcome) == {(3, "工号")}
        assert "0002" in outcome.errors[0]["message"] and "002" in outcome.errors[0]["message"]
        assert outcome.errors[0]["value"] == "2"

    def test_an_exact_number_wins(self, org):
        org.am.employee_no = "0002"
        org.am.save()
        f.UserFactory(employee_no="2", name="二号")
        outcome = check(csv_bytes([here(org, "2", "二号")]))
        assert outcome.errors == [] and outcome.counts["new"] == 0

    def test_a_number_with_an_inner_space_is_an_error(self, org):
        outcome = check(csv_bytes([here(org, "10 01", "新人")]))
        assert errors_at(outcome) == {(2, "工号")}
        assert "1001" in outcome.errors[0]["message"]


def dead_import(org, status, minutes_ago=10, **fields) -> StaffImport:
    """An import left running by a worker that was killed: nobody holds its lock."""
    return StaffImport.objects.create(
        created_by=org.admin,
        file_name="killed.xlsx",
        import_date=timezone.localdate(),
        status=status,
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        total_rows=5000,
        **fields,
    )


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a dead worker is told by its PostgreSQL advisory lock; SQLite, the zero-setup "
    "default, has none, so there a dead worker's import is not released (README)",
)
class TestWorkerDiedMidImport:
    def test_a_dead_import_no_longer_turns_uploads_stale(self, org, client_for):
        dead = dead_import(org, StaffImportStatus.IMPORTING, confirmed_by=org.admin)
        client = client_for(org.admin)
        client.post(
            reverse("accounts:staff_import"),
            {"file": SimpleUploadedFile("k1.csv", csv_bytes([here(org, "N001", "新人")]))},
        )
        job = StaffImport.objects.latest("pk")
        assert job.status == StaffImportStatus.READY
        dead.refresh_from_db()
        # Nothing of it was written (one transaction): it waits to be confirmed again.
        assert dead.status == StaffImportStatus.READY
        assert "导入未完成就中断了" in dead.message

    def test_the_page_says_what_happened_and_offers_a_retry(self, org, client_for):
        dead = dead_import(org, StaffImportStatus.IMPORTING, confirmed_by=org.admin)
        page = client_for(org.admin).get(reverse("accounts:staff_import_detail", args=[dead.pk]))
        assert b'data-testid="import-interrupted"' in page.content
        assert b'data-testid="confirm-import"' in page.content
        assert b"js/staff_import.js" not in page.content

    def test_a_dead_check_fails_with_a_message(self, org, client_for):
        dead = dead_import(org, StaffImportStatus.CHECKING)
        data = (
            client_for(org.admin)
            .get(reverse("accounts:staff_import_progress", args=[dead.pk]))
            .json()
        )
        assert data["status"] == StaffImportStatus.FAILED and data["running"] is False
        dead.refresh_from_db()
        assert "请重新上传该文件" in dead.message

    def test_a_live_import_is_left_alone(self, org):
        running = dead_import(org, StaffImportStatus.IMPORTING, minutes_ago=30)
        worker = si._Progress(running.pk)
        try:
            assert worker.hold()
            assert si.staff_import_recover() == 0
        finally:
            worker.close()
        assert si.staff_import_recover() == 1

    def test_the_worker_lets_go_of_the_lock_when_done(self, org):
        job = si.staff_import_create(
            user=org.admin, name="s.csv", data=csv_bytes([here(org, "N001", "新人")])
        )
        assert job.status == StaffImportStatus.READY
        other = si._Progress(job.pk)
        try:
            assert other.hold()
        finally:
            other.close()


@pytest.mark.django_db
class TestHeaderVariants:
    HR = [
        "员工编号",
        "员工姓名",
        "手机号码",
        "角色（必填）",
        "所属分公司",
        "片区",
        "所属区域",
        "在职状态",
    ]

    def hr_row(self, org, no, name, mobile, status):
        return [no, name, mobile, "客户经理", org.branch.name, org.area.name, "东", status]

    def test_leavers_and_phones_under_hr_headers_are_read(self, org):
        rows = [
            self.hr_row(org, org.am.employee_no, org.am.name, "13865302000", "离职"),
            self.hr_row(org, org.peer_am.employee_no, org.peer_am.name, "13865302001", "在职"),
        ]
        outcome = apply(csv_bytes(rows, headers=self.HR))
        assert outcome.errors == []
        assert outcome.counts["deactivated"] == 1
        org.am.refresh_from_db()
        org.peer_am.refresh_from_db()
        assert not org.am.is_active
        assert org.peer_am.mobile == "13865302001"

    def test_the_template_header_wins_over_its_variant(self, org):
        headers = ["工号", "员工姓名", "姓名", "角色", "分公司", "区域"]
        row = [org.am.employee_no, "别名", org.am.name, "客户经理", org.branch.name, "东"]
        outcome = check(csv_bytes([row], headers=headers))
        assert outcome.errors == []
        assert "列“员工姓名”已忽略：读取的是列“姓名”。" in outcome.notices

    def test_an_unread_lookalike_column_never_says_nothing_changes(self, org, client_for):
        headers = ["工号", "姓名", "角色", "分公司", "区域", "离职标记"]
        row = [org.am.employee_no, org.am.name, "客户经理", org.branch.name, "东", "是"]
        client = client_for(org.admin)
        client.post(
            reverse("accounts:staff_import"),
            {"file": SimpleUploadedFile("s.csv", csv_bytes([row], headers=headers))},
        )
        job = StaffImport.objects.latest("pk")
        assert job.status == StaffImportStatus.READY
        page = client.get(reverse("accounts:staff_import_detail", args=[job.pk])).content
        assert b'data-testid="no-changes"' not in page
        assert b'data-testid="no-changes-unread"' in page
        assert "离职标记".encode() in page


@pytest.mark.django_db
class TestDisplacedManager:
    def test_the_preview_names_the_rm_who_loses_the_region(self, org):
        rows = [here(org, org.am.employee_no, org.am.name, role="区域经理")]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == []
        [entry] = outcome.preview
        line = next(c for c in entry["changes"] if "接替" in c)
        assert org.rm.employee_no in line and org.rm.name in line and "东" in line
        assert entry["attention"] is True

    def test_a_new_rm_names_them_too(self, org):
        outcome = check(csv_bytes([here(org, "N001", "新经理", role="区域经理")]))
        [entry] = outcome.preview
        assert any(org.rm.employee_no in c and org.rm.name in c for c in entry["changes"])

    def test_an_rm_in_the_file_is_not_called_displaced(self, org):
        rows = [
            here(org, org.am.employee_no, org.am.name, role="区域经理"),
            person(
                org.rm.employee_no,
                org.rm.name,
                role="区域经理",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                status="离职",
            ),
        ]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == []
        assert not any("接替" in c for p in outcome.preview for c in p["changes"])


@pytest.mark.django_db
class TestLongPreview:
    def test_deactivations_and_role_changes_are_always_shown(self, org, client_for):
        preview = [
            {"row": n, "employee_no": f"{n}", "name": "甲", "kind": "updated", "changes": ["x"]}
            for n in range(2, 700)
        ]
        preview.append(
            {"row": 700, "employee_no": "L1", "name": "离", "kind": "deactivated", "changes": []}
        )
        preview.append(
            {
                "row": 701,
                "employee_no": "R1",
                "name": "升",
                "kind": "updated",
                "changes": ["角色：客户经理 → 区域经理"],
                "attention": True,
            }
        )
        job = StaffImport.objects.create(
            created_by=org.admin,
            file_name="big.xlsx",
            import_date=timezone.localdate(),
            status=StaffImportStatus.READY,
            total_rows=700,
            processed_rows=700,
            updated_count=699,
            deactivated_count=1,
            preview=preview,
        )
        page = client_for(org.admin).get(reverse("accounts:staff_import_detail", args=[job.pk]))
        shown = [p["employee_no"] for p in page.context["preview"]]
        assert shown[:2] == ["L1", "R1"] and len(shown) == 502
        assert page.context["preview_more"] == 198
        assert b'data-testid="preview-urgent"' in page.content

    def test_role_changes_are_flagged(self, org):
        rows = [here(org, org.am.employee_no, org.am.name, role="片区经理", region="")]
        rows[0][6] = org.area.name
        outcome = check(csv_bytes(rows))
        assert [p["attention"] for p in outcome.preview] == [True]


@pytest.mark.django_db
class TestBlankCellsKeepWhatIsStored:
    def test_a_blank_phone_email_or_hire_date_changes_nothing(self, org):
        """QA: a blank phone cell in HR's file wiped the stored phone."""
        org.am.mobile, org.am.email = "13800138000", "zhang@example.com"
        org.am.hire_date = datetime.date(2024, 3, 1)
        org.am.save()
        rows = [here(org, org.am.employee_no, org.am.name, mobile="")]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == [] and outcome.counts["unchanged"] == 1
        apply(csv_bytes(rows))
        org.am.refresh_from_db()
        assert org.am.mobile == "13800138000" and org.am.email == "zhang@example.com"
        assert org.am.hire_date == datetime.date(2024, 3, 1)
        # A new person with blank cells gets empty ones.
        apply(csv_bytes([here(org, "N900", "新人", mobile="")]))
        assert User.objects.get(employee_no="N900").mobile == ""


@pytest.mark.django_db
class TestTotalsAndNotesRows:
    def test_a_rosters_totals_and_notes_are_skipped_and_said(self, org):
        """QA: a real 花名册 ends with 合计 and 备注 rows, and the whole file failed on
        them with empty 工号 and 角色 errors that showed nothing of the row."""
        rows = [
            here(org, "N801", "新人甲"),
            ["小计", "", "", "", "", "", "", "", "", "", ""],
            here(org, "N802", "新人乙"),
            ["合计", "", "共2人", "", "", "", "", "", "", "", ""],
            ['备注：1.离职人员请在状态栏注明"离职"', "", "", "", "", "", "", "", "", "", ""],
        ]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == []
        assert outcome.counts["new"] == 2
        assert any("3、5、6" in n and "跳过" in n for n in outcome.notices), outcome.notices

    def test_one_skipped_row_is_said_in_the_singular(self, org):
        """QA (English): one 合计 row was "Rows 3 are totals or notes"."""
        rows = [here(org, "N801", "新人甲"), ["合计", "", "共1人", "", "", "", "", "", "", "", ""]]
        with translation.override("en"):
            outcome = check(csv_bytes(rows))
        assert any(n.startswith("Row 3 is a total or a note") for n in outcome.notices), (
            outcome.notices
        )

    def test_a_row_without_a_number_is_still_an_error(self, org):
        rows = [here(org, "", "无工号的人"), ["合计王", "", "", "", "客户经理"]]
        outcome = check(csv_bytes(rows))
        assert (2, "工号") in errors_at(outcome)


@pytest.mark.django_db
class TestCellsAsHrSheetsHoldThem:
    """What a real HR sheet holds beside the words (oddinput QA)."""

    def test_an_employee_number_with_a_zero_width_space_is_the_person(self, org):
        """Pasted from WeChat, "1001" carries a zero-width space: it was a new person
        beside 1001, and their name too kept the invisible character."""
        rows = [
            here(org, f"{org.am.employee_no}\u200b", org.am.name),
            here(org, "N700\ufeff", "\u200b新人\u200b"),
        ]
        outcome = check(csv_bytes(rows))
        assert outcome.errors == []
        assert outcome.counts["new"] == 1  # N700 only
        apply(csv_bytes(rows))
        assert User.objects.filter(employee_no__startswith=org.am.employee_no).count() == 1
        assert User.objects.get(employee_no="N700").name == "新人"

    @pytest.mark.parametrize(
        "typed", ["(+86)138-0013-8000", "0086 13800138000", "\u202a138 0013 8000\u202c"]
    )
    def test_a_mobile_as_people_write_one(self, org, typed):
        apply(csv_bytes([here(org, "N701", "新人", mobile=typed)]))
        assert User.objects.get(employee_no="N701").mobile == "13800138000"

    @pytest.mark.parametrize(
        "typed", ["2024/3/1 0:00", "2024-03-01 08:30:00", "2024年3月1号", "45352", "45352.0"]
    )
    def test_a_hire_date_with_a_time_or_written_with_hao(self, org, typed):
        """Chinese Excel writes a date-and-time cell into a CSV as 2024/3/1 0:00, and a
        date column formatted as a number as its serial, 45352: both were "not a date"."""
        row = here(org, "N702", "新人")
        row[9] = typed
        outcome = apply(csv_bytes([row]))
        assert outcome.errors == []
        assert User.objects.get(employee_no="N702").hire_date == datetime.date(2024, 3, 1)

    @pytest.mark.parametrize("name", ["staff.xlsx", "staff.csv"])
    def test_an_excel_error_in_a_cell_is_an_error_not_a_name(self, org, name):
        """A 区域 looked up with VLOOKUP is #N/A where the lookup found nothing: the
        preview planned a new region named #N/A, and #REF! was a new employee number."""
        rows = [here(org, "N703", "新人", region="#N/A"), here(org, "#REF!", "新人乙")]
        data = xlsx(rows) if name.endswith(".xlsx") else csv_bytes(rows)
        outcome = check(data, name=name)
        assert errors_at(outcome) == {(2, "区域"), (3, "工号")}
        assert "Excel 的错误值" in outcome.errors[0]["message"]
        assert outcome.org_changes == {} and outcome.counts["new"] == 0

    def test_a_region_merged_down_over_its_people_is_each_ones(self, org):
        """HR merges 区域 (and 分公司) over the people in it; Excel keeps the value in the
        top cell only, so every row below was "区域 is required" where the sheet showed
        东."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(HEADERS)
        for number in ("N710", "N711", "N712"):
            sheet.append(here(org, number, f"新人{number}"))
        sheet.merge_cells("F2:F4")  # 分公司
        sheet.merge_cells("H2:H4")  # 区域
        outcome = apply(_saved(workbook), name="staff.xlsx")
        assert outcome.errors == []
        assert "合并单元格 F2:F4、H2:H4 已按其值读入所覆盖的每一行。" in outcome.notices
        for number in ("N710", "N711", "N712"):
            assert User.objects.get(employee_no=number).memberships.get().region == org.region

    def test_hidden_rows_are_read_and_said(self, org):
        """HR hides the rows of people who left instead of deleting them: they were
        imported without a word."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(HEADERS)
        sheet.append(here(org, "N720", "新人甲"))
        sheet.append(here(org, "N721", "已隐藏"))
        sheet.row_dimensions[3].hidden = True
        outcome = check(_saved(workbook), name="staff.xlsx")
        assert outcome.counts["new"] == 2
        warnings = [n["text"] for n in outcome.notices if isinstance(n, dict)]
        assert any(text.startswith("第 3 行在 Excel 中被隐藏") for text in warnings), warnings

    def test_a_formula_the_file_never_computed_is_an_error_on_its_cell(self, org):
        """A sheet written by a program (an HR system's export, a script) holds formulas
        with no saved result until Excel opens it: a 区域 looked up with VLOOKUP read as
        blank, "区域 is required", with nothing saying why the cell showed 东 in Excel."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(HEADERS)
        sheet.append(here(org, "N730", "新人甲"))
        sheet.append(here(org, "N731", "新人乙"))
        sheet["H3"] = "=VLOOKUP(B3,区域表!A:B,2,FALSE)"
        outcome = check(_saved(workbook), name="staff.xlsx")
        assert errors_at(outcome) == {(3, "区域")}
        [message] = [error["message"] for error in outcome.errors]  # not "required" too
        assert "公式" in message and "WPS" in message
        assert outcome.counts["new"] == 0  # all or nothing: not even 新人甲

    def test_a_utf16_export_with_tabs_is_read(self, org):
        """Some HR systems export "CSV" as UTF-16 with tabs: it was refused as "not a
        text (.csv) file"."""
        rows = [HEADERS, here(org, "N740", "新人甲"), here(org, "N741", "新人乙")]
        text = "\r\n".join("\t".join(str(value) for value in row) for row in rows)
        outcome = apply(text.encode("utf-16"), name="staff.csv")
        assert outcome.errors == []
        assert User.objects.get(employee_no="N741").memberships.get().region == org.region

    def test_a_damaged_utf16_file_is_refused_with_what_to_do(self, org):
        outcome = check("\ufeff工号".encode("utf-16-le") + b"\x00\xd8", name="staff.csv")
        assert "UTF-8" in outcome.errors[0]["message"]


def _saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_number_excel_cut_to_e_notation_is_an_error_not_a_person(org):
    """A CSV saved by Excel holds a long number of a General cell as Excel shows it,
    1.23457E+11: its digits are lost, and the import made a person numbered so."""
    outcome = check(
        csv_bytes(
            [here(org, "1.23457E+11", "新人"), here(org, "N730", "新人乙", mobile="1.38E+10")]
        )
    )
    assert errors_at(outcome) == {(2, "工号"), (3, "手机")}
    assert all("截断长数字" in e["message"] for e in outcome.errors), outcome.errors
    assert not User.objects.filter(name__startswith="新人").exists()
