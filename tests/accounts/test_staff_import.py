"""The staff import service: files built with openpyxl/csv, run through check and confirm."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from accounts import staff_import as si
from accounts.models import (
    Area,
    Branch,
    Region,
    RegionMembership,
    Role,
    StaffImport,
    StaffImportStatus,
    User,
)
from tests.accounts import staff_sheets as sheets
from tests.accounts.staff_sheets import (
    HEADERS,
    check,
    csv_bytes,
    errors_at,
    new_org_rows,
    person,
    xlsx,
    xlsx_shared_strings,
)

INITIAL = "Footwork-start-2026"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def apply(data, name="staff.xlsx", **kwargs):
    kwargs.setdefault("password_hash", make_password(INITIAL))
    return sheets.apply(data, name=name, **kwargs)


@pytest.mark.django_db
class TestNewOrg:
    def test_dry_run_previews_and_writes_nothing(self):
        outcome = check(xlsx(new_org_rows()))
        assert outcome.errors == []
        assert outcome.counts == {"new": 8, "updated": 0, "unchanged": 0, "deactivated": 0}
        assert [p["employee_no"] for p in outcome.preview][:2] == ["H001", "A001"]
        assert User.objects.count() == 0
        assert Branch.objects.count() == 0

    def test_it_builds_the_whole_hierarchy(self, today):
        outcome = apply(xlsx(new_org_rows()))
        assert outcome.errors == [] and outcome.failure == ""
        branch = Branch.objects.get(name="新分公司")
        assert branch.head.employee_no == "H001"
        area = Area.objects.get(branch=branch, name="甲片区")
        assert area.manager.employee_no == "A001"
        one = Region.objects.get(branch=branch, name="一区")
        assert (one.area, one.manager.employee_no) == (area, "R001")
        assert Region.objects.get(branch=branch, name="二区").manager.employee_no == "R002"
        direct = Region.objects.get(branch=branch, name="直属")
        assert direct.manager.employee_no == "H001"  # 直属: the branch head manages it
        assert direct.area is None
        members = dict(
            RegionMembership.objects.filter(end_date__isnull=True).values_list(
                "user__employee_no", "region__name"
            )
        )
        assert members == {"M001": "一区", "M002": "一区", "M003": "二区", "M004": "直属"}
        assert set(RegionMembership.objects.values_list("start_date", flat=True)) == {today}
        r1 = User.objects.get(employee_no="R001")
        assert (r1.role, r1.email, r1.mobile) == (
            Role.REGIONAL_MANAGER,
            "r1@example.com",
            "13900000003",
        )
        assert r1.hire_date == datetime.date(2024, 3, 1)

    def test_new_staff_log_in_with_the_initial_password(self):
        apply(xlsx(new_org_rows()))
        assert authenticate(username="M001", password=INITIAL) is not None
        assert authenticate(username="M001", password="wrong") is None

    def test_reimporting_the_same_file_changes_nothing(self):
        data = xlsx(new_org_rows())
        apply(data)
        again = apply(data)
        assert again.counts == {"new": 0, "updated": 0, "unchanged": 8, "deactivated": 0}
        assert again.preview == []
        assert RegionMembership.objects.count() == 4


@pytest.mark.django_db
class TestUpdates:
    def test_changed_fields_are_listed_and_saved(self):
        apply(xlsx(new_org_rows()))
        rows = new_org_rows()
        rows[4][1] = "客经一改"
        rows[4][2] = "13700000000"
        outcome = apply(xlsx(rows))
        assert outcome.counts == {"new": 0, "updated": 1, "unchanged": 7, "deactivated": 0}
        (entry,) = outcome.preview
        assert entry["employee_no"] == "M001"
        assert any("客经一改" in change for change in entry["changes"])
        user = User.objects.get(employee_no="M001")
        assert (user.name, user.mobile) == ("客经一改", "13700000000")

    def test_a_move_opens_a_new_membership_and_keeps_history(self, org, today):
        rows = [
            person(
                org.am.employee_no,
                org.am.name,
                branch=org.branch.name,
                area=org.area.name,
                region="西",
            )
        ]
        outcome = apply(xlsx(rows))
        assert outcome.counts["updated"] == 1
        history = list(
            RegionMembership.objects.filter(user=org.am)
            .order_by("start_date")
            .values_list("region__name", "start_date", "end_date")
        )
        assert history == [
            ("东", datetime.date(2020, 1, 1), today - datetime.timedelta(days=1)),
            ("西", today, None),
        ]

    def test_a_leaver_is_deactivated_and_keeps_their_data(self, org, client, today):
        client.force_login(org.am)
        rows = [
            person(
                org.am.employee_no,
                org.am.name,
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                status="离职",
            )
        ]
        outcome = apply(xlsx(rows))
        assert outcome.counts == {"new": 0, "updated": 0, "unchanged": 0, "deactivated": 1}
        org.am.refresh_from_db()
        assert not org.am.is_active
        # No log handed in today: the day they leave is not owed (calendar QA D7).
        end = RegionMembership.objects.get(user=org.am).end_date
        assert end == today - datetime.timedelta(days=1)
        # Their session ends: the next request is anonymous.
        response = client.get("/")
        assert response.status_code == 302 and "/login/" in response.url

    def test_a_regional_manager_who_leaves_loses_the_region(self, org):
        rows = [
            person(
                org.rm.employee_no,
                org.rm.name,
                role="区域经理",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                status="离职",
            )
        ]
        apply(xlsx(rows))
        org.region.refresh_from_db()
        assert org.region.manager is None

    def test_a_new_regional_manager_takes_over(self, org):
        rows = [
            person(
                "N001",
                "新区经",
                role="区域经理",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
            )
        ]
        outcome = apply(xlsx(rows))
        assert outcome.errors == []
        org.region.refresh_from_db()
        assert org.region.manager.employee_no == "N001"
        org.rm.refresh_from_db()
        assert org.rm.is_active  # absent from the file: left alone

    def test_people_absent_from_the_file_are_left_alone(self, org):
        rows = [person("N001", "新人", branch=org.branch.name, area=org.area.name, region="东")]
        apply(xlsx(rows))
        assert User.objects.filter(is_active=True).count() == User.objects.count() - 1

    def test_full_sync_deactivates_absentees_of_the_branches_in_the_file(self, org):
        rows = [
            person(
                org.am.employee_no,
                org.am.name,
                branch=org.branch.name,
                area=org.area.name,
                region="东",
            ),
        ]
        preview = check(xlsx(rows), full_sync=True, acting_user_id=org.admin.pk)
        gone = {p["employee_no"] for p in preview.preview if p["kind"] == "deactivated"}
        expected = {
            org.peer_am,
            org.outsider_am,
            org.rm,
            org.other_rm,
            org.area_manager,
            org.branch_head,
        }
        assert gone == {u.employee_no for u in expected}
        apply(xlsx(rows), full_sync=True, acting_user_id=org.admin.pk)
        assert not User.objects.get(pk=org.peer_am.pk).is_active
        assert Region.objects.get(pk=org.region.pk).manager is None  # the RM was absent
        assert User.objects.get(pk=org.foreign_am.pk).is_active  # another branch
        assert User.objects.get(pk=org.admin.pk).is_active

    def test_a_reactivated_person_can_log_in_again(self, org):
        rows = [
            person(
                org.deactivated.employee_no,
                org.deactivated.name,
                branch=org.branch.name,
                area=org.area.name,
                region="东",
            )
        ]
        outcome = apply(xlsx(rows))
        assert outcome.counts["updated"] == 1
        assert User.objects.get(pk=org.deactivated.pk).is_active


@pytest.mark.django_db
def test_every_error_is_listed_and_nothing_is_written(org):
    org.am.email = "taken@example.com"
    org.am.save()
    b = org.branch.name
    rows = [
        person("E001", "甲", role="区域经理", branch=b, region="一区"),  # row 2
        person("E002", "乙", role="区域经理", branch=b, region="一区"),  # 3: two RMs
        person("E001", "丙", branch=b),  # 4: duplicate employee number
        person("E003", "丁", role="老板", branch=b),  # 5: unknown role
        person("E004", "戊", branch=b, manager="NOPE"),  # 6: manager not found
        person("E005", "己", branch="", region="一区"),  # 7: region without branch
        person("E006", "庚", branch=b, mobile="12345"),  # 8: invalid mobile
        person("E007", "辛", branch=b, email="not-an-email"),  # 9: invalid email
        person("E008", "壬", branch=b, email="taken@example.com"),  # 10: email in use
        person("E009", "癸", branch=b, hire="2999-01-01"),  # 11: future hire date
        person("E010", "子", branch=b, manager="E011"),  # 12: cycle
        person("E011", "丑", branch=b, manager="E010"),  # 13: cycle
        person("E012", "寅", branch=b, status="退休"),  # 14: unknown status
    ]
    before = (User.objects.count(), Region.objects.count(), Branch.objects.count())
    outcome = apply(xlsx(rows))
    assert {
        (3, "角色"),
        (4, "工号"),
        (5, "角色"),
        (6, "上级工号"),
        (7, "区域"),
        (8, "手机"),
        (9, "邮箱"),
        (10, "邮箱"),
        (11, "入职日期"),
        (12, "上级工号"),
        (13, "上级工号"),
        (14, "状态"),
    } <= errors_at(outcome)
    by_row = {e["row"]: e for e in outcome.errors}
    assert by_row[8]["value"] == "12345"
    assert "E011" in by_row[12]["message"] and "E010" in by_row[12]["message"]
    assert org.am.employee_no in by_row[10]["message"]
    assert (User.objects.count(), Region.objects.count(), Branch.objects.count()) == before


@pytest.mark.django_db
def test_errors_speak_the_ui_language():
    rows = [person("E001", "甲", role="boss")]
    from django.utils import translation

    with translation.override("en"):
        outcome = check(xlsx(rows))
    (error,) = [e for e in outcome.errors if e["column"] == "角色"]
    assert error["message"].startswith("Unknown role")


@pytest.mark.django_db
class TestCells:
    def test_numeric_employee_numbers_keep_leading_zeros_and_phones_are_normalised(self):
        rows = [
            person(123, "甲", mobile=13800138000.0, manager=""),
            person(7, "乙", mobile="１３８００１３８００１"),
        ]
        apply(xlsx(rows, formats={(0, 0): "000000", (1, 0): "00000"}))
        assert set(User.objects.values_list("employee_no", "mobile")) == {
            ("000123", "13800138000"),
            ("00007", "13800138001"),
        }

    def test_date_cells_and_date_strings(self):
        rows = [
            person("D1", "甲", hire=datetime.date(2024, 3, 1)),
            person("D2", "乙", hire=datetime.datetime(2024, 3, 2, 0, 0)),
            person("D3", "丙", hire="2024/3/3"),
            person("D4", "丁", hire="2024-03-04"),
        ]
        apply(xlsx(rows))
        assert dict(User.objects.values_list("employee_no", "hire_date")) == {
            "D1": datetime.date(2024, 3, 1),
            "D2": datetime.date(2024, 3, 2),
            "D3": datetime.date(2024, 3, 3),
            "D4": datetime.date(2024, 3, 4),
        }

    @pytest.mark.parametrize("bom", [True, False])
    def test_csv_with_or_without_bom(self, bom):
        outcome = apply(csv_bytes(new_org_rows(), bom=bom), name="staff.csv")
        assert outcome.counts["new"] == 8
        assert User.objects.get(employee_no="H001").name == "总经理"

    def test_csv_saved_by_chinese_excel_in_gbk(self):
        outcome = apply(csv_bytes(new_org_rows(), bom=False, encoding="gbk"), name="staff.csv")
        assert outcome.errors == [] and outcome.counts["new"] == 8
        assert User.objects.get(employee_no="H001").name == "总经理"
        assert Region.objects.get(name="一区").manager.name == "区经一"

    def test_excel_shared_strings(self):
        outcome = apply(xlsx_shared_strings(new_org_rows()))
        assert outcome.errors == []
        assert Region.objects.get(name="一区").manager.name == "区经一"

    def test_headers_in_english_any_order_extra_columns_noticed(self):
        headers = ["Remark", "role", "name", "employee_no", "branch", "region", "mobile"]
        rows = [["x", "account manager", "甲", "E1", "新分公司", "一区", "13800138000"]]
        outcome = apply(xlsx(rows, headers=headers))
        assert outcome.errors == []
        assert any("Remark" in n for n in outcome.notices)
        user = User.objects.get(employee_no="E1")
        assert (user.role, user.email) == (Role.ACCOUNT_MANAGER, "")

    def test_spaces_and_full_width_codes_are_normalised_blank_rows_ignored(self):
        rows = [person("　Ｍ００１ ", " 甲 ", branch=" 新分公司 "), [None] * 11, [""] * 11]
        outcome = apply(xlsx(rows))
        assert outcome.counts["new"] == 1
        user = User.objects.get()
        assert (user.employee_no, user.name) == ("M001", "甲")
        assert Branch.objects.get().name == "新分公司"

    def test_title_rows_above_the_headers_are_skipped_and_said(self):
        titles = ["杭州分公司员工名单", "导出日期：2026-11-30"]
        rows = [*new_org_rows(), person("B1", "坏角色", role="司机")]
        outcome = check(xlsx(rows, titles=titles))
        assert "表头在第 3 行，其上方的行（标题等）已忽略。" in outcome.notices
        # Errors still name the row as Excel numbers it: two titles, the headers, the rows.
        assert errors_at(outcome) == {(3 + len(rows), "角色")}
        outcome = apply(xlsx(new_org_rows(), titles=titles))
        assert outcome.errors == [] and outcome.counts["new"] == len(new_org_rows())

    def test_staff_on_a_later_sheet_after_an_instructions_sheet(self):
        instructions = (
            "填写说明",
            [["员工导入填写说明"], ["1. 工号必填"], ["2. 角色：客户经理等"]],
        )
        outcome = apply(xlsx(new_org_rows(), sheets_before=[instructions]))
        assert outcome.errors == [] and outcome.counts["new"] == len(new_org_rows())
        assert "员工名单读自工作表“Sheet”，其前面的工作表已忽略。" in outcome.notices
        # Without the headers on any sheet, the first sheet's error stands, as before.
        outcome = check(xlsx([["甲"]], headers=["姓名"], sheets_before=[instructions]))
        assert any("工号" in e["message"] for e in outcome.errors)

    def test_a_missing_required_column_is_a_file_error(self):
        outcome = check(xlsx([["甲"]], headers=["姓名"]))
        assert outcome.errors and all(e["row"] is None for e in outcome.errors)
        assert any("工号" in e["message"] for e in outcome.errors)


@pytest.mark.django_db
def test_a_crash_while_writing_rolls_everything_back(monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(si.services, "user_deactivate", boom)
    rows = [*new_org_rows(), person("L001", "走人", status="离职")]
    with translation.override("en"):
        outcome = apply(xlsx(rows))
    assert User.objects.count() == 0 and Branch.objects.count() == 0
    # The admin reads what happened and what to do; the exception goes to the log.
    assert "disk on fire" not in outcome.failure and "RuntimeError" not in outcome.failure
    assert "did not complete" in outcome.failure and "nothing was changed" in outcome.failure
    crash = next(r for r in caplog.records if r.getMessage() == "staff import failed")
    assert crash.exc_info and "disk on fire" in str(crash.exc_info[1])


class TestUploadSafety:
    @pytest.mark.parametrize(
        ("name", "data", "words"),
        [
            ("a.xlsx", b"PK\x03\x04" + b"x" * (5 * 1024 * 1024), "5 MB"),
            ("a.xlsx", b"hello, this is text", "Excel"),
            ("a.csv", xlsx([person("X", "甲")]), ".csv"),
            ("a.pdf", b"%PDF-1.4", ".xlsx"),
            ("a.csv", b"\xff\x80\xff\x80,\x80\xff", "neither UTF-8 nor GBK"),
            ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "save it as .xlsx"),
        ],
    )
    def test_refusals(self, name, data, words):
        from django.utils import translation

        with translation.override("en"), pytest.raises(si.UploadRefused) as refused:
            si.read_sheet(name, data)
        assert words in str(refused.value)

    def test_zip_bomb_refused_before_parsing(self, monkeypatch):
        from tests.accounts.staff_sheets import zip_bomb

        monkeypatch.setattr(si, "_XlsxBook", None)  # parsing would crash: it must not start
        with pytest.raises(si.UploadRefused, match="zip bomb|炸弹|absurd|异常"):
            si.read_sheet("bomb.xlsx", zip_bomb())

    def test_xml_entities_refused(self):
        from django.utils import translation

        from tests.accounts.staff_sheets import with_entity_attack

        with translation.override("en"), pytest.raises(si.UploadRefused, match="entity"):
            si.read_sheet("lol.xlsx", with_entity_attack())

    def test_too_many_rows_refused(self, monkeypatch):
        monkeypatch.setattr(si, "MAX_ROWS", 3)
        with pytest.raises(si.UploadRefused):
            si.read_sheet("a.xlsx", xlsx([person(f"X{i}", "甲") for i in range(4)]))


@pytest.mark.django_db
class TestJobs:
    def test_small_files_are_checked_at_once_then_confirmed(self, org):
        job = si.staff_import_create(user=org.admin, name="org.xlsx", data=xlsx(new_org_rows()))
        assert job.status == StaffImportStatus.READY
        assert (job.new_count, job.total_rows) == (8, 8)
        assert job.file and job.file.name.startswith("imports/")
        assert si.staff_import_confirm(staff_import=job, user=org.admin, initial_password=INITIAL)
        job.refresh_from_db()
        assert job.status == StaffImportStatus.DONE
        assert job.confirmed_by == org.admin and job.finished_at is not None
        assert not job.file and job.password_hash == ""  # the upload is not kept
        assert authenticate(username="R002", password=INITIAL) is not None
        # A second confirmation does nothing.
        assert not si.staff_import_confirm(staff_import=job, user=org.admin, initial_password="x")

    def test_large_files_go_to_the_worker(
        self, org, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(si, "ASYNC_THRESHOLD_ROWS", 3)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = si.staff_import_create(user=org.admin, name="o.xlsx", data=xlsx(new_org_rows()))
        assert job.status == StaffImportStatus.QUEUED_CHECK
        assert len(callbacks) == 1
        callbacks[0]()  # the eager task
        job.refresh_from_db()
        assert job.status == StaffImportStatus.READY and job.processed_rows == 8
        with django_capture_on_commit_callbacks(execute=True):
            si.staff_import_confirm(staff_import=job, user=org.admin, initial_password=INITIAL)
        job.refresh_from_db()
        assert job.status == StaffImportStatus.DONE
        assert User.objects.filter(employee_no__in=["H001", "M004"]).count() == 2

    def test_the_task_is_idempotent(self, org):
        from accounts.tasks import staff_import_run

        job = si.staff_import_create(user=org.admin, name="o.xlsx", data=xlsx(new_org_rows()))
        si.staff_import_confirm(staff_import=job, user=org.admin, initial_password=INITIAL)
        staff_import_run(job.pk)  # a duplicate delivery
        staff_import_run(job.pk)
        job.refresh_from_db()
        assert job.status == StaffImportStatus.DONE
        assert User.objects.filter(employee_no="H001").count() == 1

    def test_invalid_file_keeps_its_upload_for_the_error_report(self, org):
        rows = new_org_rows()
        rows[3][4] = "老板"
        job = si.staff_import_create(user=org.admin, name="bad.xlsx", data=xlsx(rows))
        assert job.status == StaffImportStatus.INVALID
        assert job.errors[0]["row"] == 5 and job.errors[0]["column"] == "角色"
        content, ext = si.error_report(job)
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(content)).active
        assert ext == "xlsx"
        assert sheet.cell(row=1, column=len(HEADERS) + 1).value in ("错误", "Errors")
        assert "老板" not in (sheet.cell(row=5, column=len(HEADERS) + 1).value or "")
        assert "角色" in sheet.cell(row=5, column=len(HEADERS) + 1).value
        assert sheet.cell(row=4, column=len(HEADERS) + 1).value is None

    def test_csv_error_report_is_csv(self, org):
        rows = new_org_rows()
        rows[0][2] = "123"
        job = si.staff_import_create(user=org.admin, name="bad.csv", data=csv_bytes(rows))
        content, ext = si.error_report(job)
        lines = content.decode("utf-8-sig").splitlines()
        assert ext == "csv" and "手机" in lines[1]

    def test_stale_uploads_are_purged(self, org):
        rows = new_org_rows()
        rows[3][4] = "老板"
        job = si.staff_import_create(user=org.admin, name="bad.xlsx", data=xlsx(rows))
        StaffImport.objects.filter(pk=job.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=2)
        )
        assert si.staff_import_purge_stale() == 1
        job.refresh_from_db()
        assert not job.file

    def test_template_has_headers_example_and_dropdowns(self):
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(si.template_workbook())).active
        assert [c.value for c in sheet[1]] == HEADERS
        assert sheet["A2"].value == "000123"
        formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
        assert any("区域经理" in f for f in formulas) and any("离职" in f for f in formulas)

    def test_the_template_example_imports_cleanly(self):
        outcome = check(si.template_workbook())
        assert outcome.errors == [] and outcome.counts["new"] == 1


@pytest.mark.django_db
def test_a_promoted_account_manager_leaves_their_membership_and_takes_the_region(org, today):
    rows = [
        person(
            org.am.employee_no,
            org.am.name,
            role="区域经理",
            branch=org.branch.name,
            area=org.area.name,
            region="东",
        ),
    ]
    outcome = apply(xlsx(rows))
    assert outcome.counts["updated"] == 1
    (entry,) = outcome.preview
    assert any("东" in change for change in entry["changes"])
    org.region.refresh_from_db()
    assert org.region.manager == org.am
    assert RegionMembership.objects.get(user=org.am).end_date == today


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_or_demote_themselves(org):
    rows = [
        person(
            org.admin.employee_no,
            org.admin.name,
            role="客户经理",
            branch=org.branch.name,
            region="东",
            status="离职",
        )
    ]
    outcome = check(xlsx(rows), acting_user_id=org.admin.pk)
    columns = {e["column"] for e in outcome.errors}
    assert {"状态", "角色"} <= columns


@pytest.mark.django_db
def test_a_doctype_hidden_behind_a_long_prolog_is_still_refused():
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx([person("X001", "甲")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = (
                    b'<?xml version="1.0"?><!--' + b" " * 8000 + b"-->"
                    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
                )
            target.writestr(name, data)
    from django.utils import translation

    with translation.override("en"), pytest.raises(si.UploadRefused, match="entity"):
        si.read_sheet("hidden.xlsx", out.getvalue())


@pytest.mark.django_db
class TestOrgTreeStaysPut:
    """A row places people in the org tree; it never carries a region elsewhere."""

    def test_a_row_cannot_move_a_region_to_another_area(self, org):
        west = Area.objects.create(branch=org.branch, name="城西片区")
        rows = [person("N001", "新人", branch=org.branch.name, area=west.name, region="东")]
        with translation.override("en"):
            outcome = apply(xlsx(rows))
        assert errors_at(outcome) == {(2, "片区")}
        (error,) = outcome.errors
        assert org.area.name in error["message"] and "Configuration" in error["message"]
        assert Region.objects.get(pk=org.region.pk).area == org.area
        assert not User.objects.filter(employee_no="N001").exists()

    def test_a_closed_region_is_an_error_on_its_cell_at_the_check(self, org):
        """Applying would fail half-way (nobody moves into a closed region); a roster from
        before the closing names it."""
        closed = Region.objects.create(
            branch=org.branch, area=org.area, name="西南", closed_on=timezone.localdate()
        )
        rows = [person("N001", "新人", branch=org.branch.name, area=org.area.name, region="西南")]
        outcome = check(xlsx(rows))
        assert errors_at(outcome) == {(2, "区域")}
        assert "区域“西南”已于" in outcome.errors[0]["message"]
        assert not closed.memberships.exists()

    def test_a_misspelt_area_does_not_move_the_region_either(self, org):
        rows = [person("N001", "新人", branch=org.branch.name, area="城东区", region="东")]
        outcome = apply(xlsx(rows))
        assert errors_at(outcome) == {(2, "片区")}
        assert not Area.objects.filter(name="城东区").exists()

    def test_a_region_named_under_another_branch_is_an_error(self, org):
        rows = [person("N001", "新人", branch=org.other_branch.name, region="东")]
        outcome = apply(xlsx(rows))
        assert errors_at(outcome) == {(2, "分公司")}
        assert org.branch.name in outcome.errors[0]["message"]
        assert Region.objects.filter(name="东").count() == 1

    def test_every_branch_has_its_own_direct_region(self, org):
        rows = [person("N001", "新人", branch=org.branch.name, region="直属")]
        outcome = apply(xlsx(rows))
        assert outcome.errors == []
        assert Region.objects.filter(name="直属").count() == 2

    def test_a_new_branch_brings_its_own_regions_whatever_their_names(self, org):
        rows = [
            person("H001", "新总", role="分公司负责人", branch="宁波分公司", region=""),
            person("R001", "新区经", role="区域经理", branch="宁波分公司", region="东"),
            person("N001", "新人", branch="宁波分公司", region="东", manager="R001"),
        ]
        outcome = apply(xlsx(rows))
        assert outcome.errors == []
        assert (
            Region.objects.get(branch__name="宁波分公司", name="东").manager.employee_no == "R001"
        )

    def test_a_region_without_an_area_may_be_put_into_one(self, org):
        region = Region.objects.create(branch=org.branch, name="北")
        rows = [person("N001", "新人", branch=org.branch.name, area=org.area.name, region="北")]
        outcome = apply(xlsx(rows))
        assert outcome.errors == []
        assert outcome.org_changes["region_areas"] == [
            {"branch": org.branch.name, "region": "北", "area": org.area.name}
        ]
        region.refresh_from_db()
        assert region.area == org.area


@pytest.mark.django_db
class TestNewUnitsAreListed:
    def test_the_preview_lists_new_units_and_regions_without_a_manager(self, org):
        b = org.branch.name
        rows = [
            person("N001", "新人一", branch=b, region="钱塘"),  # a typo: no such region
            person("R001", "新区经", role="区域经理", branch=b, region="滨江"),
            person("N002", "新人二", branch=b, region="滨江", manager="R001"),
        ]
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        assert outcome.org_changes["regions"] == [
            {"branch": b, "name": "钱塘", "manager": False},
            {"branch": b, "name": "滨江", "manager": True},
        ]
        with translation.override("en"):
            lines = si.describe_org_changes(outcome.org_changes, done=False)
        assert lines == ["To be created: region 钱塘 (no regional manager), 滨江"]
        assert not Region.objects.filter(name="钱塘").exists()  # a dry run

    def test_units_in_several_branches_are_named_with_their_branch(self, org):
        rows = [
            person("N001", "新人一", branch=org.branch.name, region="钱塘"),
            person("N002", "新人二", branch="上海分公司", area="城东片区", region="外滩"),
        ]
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        with translation.override("en"):
            (line,) = si.describe_org_changes(outcome.org_changes, done=False)
        assert line == (
            "To be created: branch 上海分公司 (no head); area 上海分公司 / 城东片区; "
            f"region {org.branch.name} / 钱塘 (no regional manager), "
            "上海分公司 / 外滩 (no regional manager)"
        )

    def test_nothing_new_lists_nothing(self, org):
        rows = [person("N001", "新人", branch=org.branch.name, area=org.area.name, region="东")]
        outcome = check(xlsx(rows))
        assert outcome.org_changes == {}
        assert si.describe_org_changes(outcome.org_changes, done=False) == []

    def test_the_check_stores_the_list_on_the_import(self, org):
        job = StaffImport.objects.create(
            created_by=org.admin,
            file_name="staff.xlsx",
            import_date=timezone.localdate(),
            file=ContentFile(xlsx(new_org_rows()), name="staff.xlsx"),
            total_rows=8,
        )
        si.staff_import_process(staff_import_id=job.pk)
        job.refresh_from_db()
        assert [b["name"] for b in job.org_changes["branches"]] == ["新分公司"]
        assert {r["name"] for r in job.org_changes["regions"]} == {"一区", "二区", "直属"}


@pytest.mark.django_db
class TestManagerInAnotherBranch:
    def test_a_manager_of_another_branch_in_the_system_is_an_error(self, org):
        rows = [
            person(
                "N001",
                "新人",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                manager=org.other_branch_head.employee_no,
            )
        ]
        outcome = check(xlsx(rows))
        assert errors_at(outcome) == {(2, "上级工号")}
        assert org.other_branch.name in outcome.errors[0]["message"]

    def test_a_manager_of_another_branch_in_the_file_is_an_error(self, org):
        rows = [
            person("R001", "上海区经", role="区域经理", branch="上海分公司", region="滨江"),
            person("N001", "新人", branch=org.branch.name, region="钱塘", manager="R001"),
        ]
        outcome = check(xlsx(rows))
        assert errors_at(outcome) == {(3, "上级工号")}
        assert "上海分公司" in outcome.errors[0]["message"]

    def test_the_file_row_of_a_manager_wins_over_the_system(self, org):
        # The RM of 东 moves to the other branch in the same file: their old branch's AMs
        # can no longer report to them.
        rows = [
            person(
                org.rm.employee_no,
                org.rm.name,
                role="区域经理",
                branch=org.other_branch.name,
                region="直属",
            ),
            person(
                org.am.employee_no,
                org.am.name,
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                manager=org.rm.employee_no,
            ),
        ]
        assert (3, "上级工号") in errors_at(check(xlsx(rows)))

    def test_a_manager_in_the_same_branch_is_fine(self, org):
        rows = [
            person(
                "N001",
                "新人",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                manager=org.rm.employee_no,
            )
        ]
        assert check(xlsx(rows)).errors == []


@pytest.mark.django_db
def test_new_staff_must_change_the_shared_initial_password(org):
    rows = [
        *new_org_rows(),
        person(
            org.am.employee_no, "张三改", branch=org.branch.name, area=org.area.name, region="东"
        ),
    ]
    apply(xlsx(rows))
    assert User.objects.get(employee_no="M001").must_change_password
    org.am.refresh_from_db()
    assert org.am.name == "张三改" and not org.am.must_change_password  # keeps their own
