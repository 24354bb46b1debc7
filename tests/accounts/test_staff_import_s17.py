"""Staff import fixes from the S17 QA pass over real HR spreadsheets: an RM of two
regions survives export → import, 上级工号 that disagrees with the region, joiners who
start next week, password-protected files, two-level headers, and an import whose queue
message never reached a worker."""

import datetime
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import staff_import as si
from accounts.demo import build_org
from accounts.models import Region, RegionMembership, Role, StaffImport, StaffImportStatus, User
from accounts.selectors import region_signer
from accounts.staff_export import staff_export_workbook
from tests.accounts.staff_sheets import (
    HEADERS,
    apply,
    check,
    csv_bytes,
    encrypted_xlsx,
    errors_at,
    person,
    xlsx,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def here(org, no, name, role="客户经理", region="东", manager="", hire="2024-03-01"):
    return person(
        no,
        name,
        role=role,
        branch=org.branch.name,
        area=org.area.name,
        region=region,
        manager=manager,
        hire=hire,
    )


def org_state():
    """Everything an import could change, to compare before and after."""
    return (
        list(
            User.objects.order_by("pk").values_list(
                "employee_no", "name", "mobile", "email", "role", "hire_date", "is_active"
            )
        ),
        list(Region.objects.order_by("pk").values_list("pk", "name", "manager_id", "area_id")),
        list(
            RegionMembership.objects.order_by("pk").values_list(
                "user_id", "region_id", "start_date", "end_date"
            )
        ),
    )


@pytest.mark.django_db
class TestRegionalManagerOfSeveralRegions:
    @pytest.fixture
    def demo(self):
        org = build_org(am_count=12, start=timezone.localdate() - datetime.timedelta(days=30))
        # 0101 (西北) takes 西南 over too; its RM 0102 left.
        west_south = Region.objects.get(name="西南")
        departed = west_south.manager
        west_south.manager = User.objects.get(employee_no="0101")
        west_south.save()
        departed.is_active = False
        departed.save()
        return org

    def test_export_then_import_changes_nothing(self, demo):
        content = staff_export_workbook()
        rows = {r[0].value: [c.value for c in r] for r in load_workbook(BytesIO(content)).active}
        assert rows["0101"][7] == "西北、西南"
        before = org_state()
        outcome = apply(content, acting_user_id=User.objects.get(employee_no="0001").pk)
        assert outcome.errors == [] and outcome.failure == ""
        assert outcome.counts["updated"] == 0 and outcome.counts["new"] == 0, outcome.preview
        assert outcome.org_changes == {} and outcome.preview == []
        assert org_state() == before
        managed = Region.objects.filter(manager__employee_no="0101")
        assert set(managed.values_list("name", flat=True)) == {"西北", "西南"}

    def test_a_joiner_who_starts_next_week_survives_it_too(self, demo):
        start = timezone.localdate() + datetime.timedelta(days=7)
        joiner = User.objects.create(
            employee_no="1100", name="新人", role=Role.ACCOUNT_MANAGER, hire_date=start
        )
        RegionMembership.objects.create(
            user=joiner, region=Region.objects.get(name="东南"), start_date=start
        )
        before = org_state()
        outcome = apply(staff_export_workbook())
        assert outcome.errors == [] and outcome.counts["updated"] == 0, outcome.preview
        assert org_state() == before

    def test_regions_of_two_areas_export_without_an_area(self, demo):
        east = Region.objects.get(name="东北")
        east.manager.is_active = False
        east.manager.save()
        east.manager = User.objects.get(employee_no="0101")
        east.save()
        rows = {
            r[0].value: [c.value for c in r]
            for r in load_workbook(BytesIO(staff_export_workbook())).active
        }
        assert rows["0101"][6] is None and rows["0101"][7] == "东北、西北、西南"
        before = org_state()
        outcome = apply(staff_export_workbook())
        assert outcome.errors == [] and outcome.counts["updated"] == 0
        assert org_state() == before

    def test_an_rm_row_can_take_two_regions(self, org):
        row = here(org, org.rm.employee_no, org.rm.name, role="区域经理", region="东，西")
        outcome = apply(xlsx([row]))
        assert outcome.errors == []
        [entry] = outcome.preview
        assert "担任“西”的区域经理。" in entry["changes"]
        assert set(org.rm.managed_regions.values_list("name", flat=True)) == {"东", "西"}

    def test_an_account_manager_with_two_regions_is_an_error_on_that_cell(self, org):
        outcome = check(xlsx([here(org, org.am.employee_no, org.am.name, region="东、西")]))
        assert errors_at(outcome) == {(2, "区域")}
        assert "只有区域经理" in outcome.errors[0]["message"]

    def test_two_rms_naming_one_region_is_still_an_error(self, org):
        rows = [
            here(org, org.rm.employee_no, org.rm.name, role="区域经理", region="东、西"),
            here(org, org.other_rm.employee_no, org.other_rm.name, role="区域经理", region="西"),
        ]
        assert errors_at(check(xlsx(rows))) == {(3, "角色")}


@pytest.mark.django_db
class TestManagerColumnOfAnAccountManager:
    def test_a_manager_who_is_not_the_regions_rm_is_a_warning(self, org):
        row = here(org, org.am.employee_no, org.am.name, manager=org.other_rm.employee_no)
        outcome = check(xlsx([row]))
        assert outcome.errors == []
        [warning] = [n for n in outcome.notices if isinstance(n, dict) and n["level"] == "row"]
        assert warning["row"] == 2 and warning["column"] == "上级工号"
        assert warning["value"] == org.other_rm.employee_no
        assert org.rm.employee_no in warning["text"] and "东" in warning["text"]

    def test_it_is_not_an_error_and_the_region_decides(self, org, client_for):
        row = here(org, org.am.employee_no, org.am.name, manager=org.other_rm.employee_no)
        client = client_for(org.admin)
        client.post(
            reverse("accounts:staff_import"),
            {"file": SimpleUploadedFile("s.xlsx", xlsx([row]), content_type=XLSX)},
        )
        job = StaffImport.objects.latest("pk")
        assert job.status == StaffImportStatus.READY
        page = client.get(reverse("accounts:staff_import_detail", args=[job.pk])).content.decode()
        assert 'data-testid="row-warnings"' in page
        assert 'data-testid="unread-column"' not in page
        assert "签批人由所在区域决定" in page and 'data-testid="confirm-import"' in page

    def test_the_rm_of_the_region_is_no_warning(self, org):
        rows = [here(org, org.am.employee_no, org.am.name, manager=org.rm.employee_no)]
        assert not [n for n in check(xlsx(rows)).notices if isinstance(n, dict)]

    def test_the_rm_the_file_gives_the_region_is_the_one_compared(self, org):
        rows = [
            here(org, org.other_rm.employee_no, org.other_rm.name, role="区域经理", region="东"),
            here(org, org.rm.employee_no, org.rm.name, role="区域经理", region="西"),
            here(org, org.am.employee_no, org.am.name, manager=org.other_rm.employee_no),
        ]
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        assert not [n for n in outcome.notices if isinstance(n, dict)]

    def test_a_region_without_an_rm_says_so(self, org):
        org.region.manager = None
        org.region.save()
        row = here(org, org.am.employee_no, org.am.name, manager=org.other_rm.employee_no)
        [warning] = [n for n in check(xlsx([row])).notices if isinstance(n, dict)]
        assert "没有区域经理" in warning["text"]

    def test_an_rm_leaving_in_the_same_file_as_her_ams_is_a_warning_on_their_rows(self, org):
        """HR marks 东's RM 离职 while her AMs' rows still name her: one error per AM
        refused the whole sheet, for a column that sets nothing. The region goes to the
        next manager up until a new RM is named, and the import says so."""
        rows = [
            person(
                org.rm.employee_no,
                org.rm.name,
                role="区域经理",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                status="离职",
            ),
            here(org, org.am.employee_no, org.am.name, manager=org.rm.employee_no),
            here(org, org.peer_am.employee_no, org.peer_am.name, manager=org.rm.employee_no),
        ]
        outcome = apply(xlsx(rows))
        assert outcome.errors == []
        warnings = [n for n in outcome.notices if isinstance(n, dict) and n["level"] == "row"]
        assert [(w["row"], w["column"]) for w in warnings] == [(3, "上级工号"), (4, "上级工号")]
        assert all(f"上级 {org.rm.employee_no} 已离职" in w["text"] for w in warnings)
        org.region.refresh_from_db()
        assert org.region.manager is None
        assert region_signer(org.region) == org.area_manager

    def test_an_am_leaving_with_her_rm_is_neither(self, org):
        """Both marked 离职 in one file: whom a leaver reported to sets nothing."""
        rows = [
            person(
                org.rm.employee_no,
                org.rm.name,
                role="区域经理",
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                status="离职",
            ),
            person(
                org.am.employee_no,
                org.am.name,
                branch=org.branch.name,
                area=org.area.name,
                region="东",
                manager=org.rm.employee_no,
                status="离职",
            ),
        ]
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        assert not [n for n in outcome.notices if isinstance(n, dict)]

    def test_a_manager_who_left_long_ago_is_a_warning_for_an_am(self, org):
        row = here(org, org.am.employee_no, org.am.name, manager=org.deactivated.employee_no)
        outcome = check(xlsx([row]))
        assert outcome.errors == []
        [warning] = [n for n in outcome.notices if isinstance(n, dict)]
        assert "已离职" in warning["text"]

    def test_a_manager_who_left_is_still_an_error_for_a_regional_manager(self, org):
        row = here(
            org,
            org.other_rm.employee_no,
            org.other_rm.name,
            role="区域经理",
            region="西",
            manager=org.deactivated.employee_no,
        )
        assert errors_at(check(xlsx([row]))) == {(2, "上级工号")}


@pytest.mark.django_db
class TestJoinerWhoStartsLater:
    def next_week(self):
        return timezone.localdate() + datetime.timedelta(days=7)

    def test_a_new_hire_starting_next_week_is_accepted(self, org):
        start = self.next_week()
        rows = [here(org, "N001", "新人", hire=start.isoformat())]
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        [entry] = outcome.preview
        assert any(f"{start.isoformat()} 入职" in change for change in entry["changes"])

    def test_their_membership_begins_on_the_hire_date(self, org):
        start = self.next_week()
        apply(xlsx([here(org, "N001", "新人", hire=start.isoformat())]))
        user = User.objects.get(employee_no="N001")
        assert user.hire_date == start
        [membership] = user.memberships.all()
        assert membership.start_date == start and membership.region == org.region
        # No log is owed before they start: they are nobody's member today.
        assert not RegionMembership.objects.on(timezone.localdate()).filter(user=user).exists()
        assert RegionMembership.objects.on(start).filter(user=user).exists()

    def test_the_same_file_again_changes_nothing(self, org):
        rows = [here(org, "N001", "新人", hire=self.next_week().isoformat())]
        apply(xlsx(rows))
        outcome = check(xlsx(rows))
        assert outcome.errors == []
        assert outcome.counts["unchanged"] == 1 and outcome.preview == []

    def test_a_later_start_or_another_region_moves_the_pending_membership(self, org):
        apply(xlsx([here(org, "N001", "新人", hire=self.next_week().isoformat())]))
        later = self.next_week() + datetime.timedelta(days=7)
        outcome = apply(xlsx([here(org, "N001", "新人", region="西", hire=later.isoformat())]))
        assert outcome.errors == []
        [membership] = User.objects.get(employee_no="N001").memberships.all()
        assert (membership.region, membership.start_date) == (org.other_region, later)

    def test_a_joiner_who_leaves_before_starting_is_no_member(self, org):
        rows = [here(org, "N001", "新人", hire=self.next_week().isoformat())]
        apply(xlsx(rows))
        rows[0][10] = "离职"
        assert apply(xlsx(rows)).errors == []
        user = User.objects.get(employee_no="N001")
        assert not user.is_active and not user.memberships.exists()

    def test_a_move_the_admin_scheduled_is_not_a_joiners_start(self, org):
        from accounts import services

        services.membership_move(user=org.am, region=org.other_region, start_date=self.next_week())
        same = here(org, org.am.employee_no, org.am.name, region="西")
        assert apply(xlsx([same])).errors == []
        current = org.am.memberships.get(end_date=None)
        assert (current.region, current.start_date) == (org.other_region, self.next_week())
        back = here(org, org.am.employee_no, org.am.name, region="东")
        assert errors_at(check(xlsx([back]))) == {(2, "区域")}

    def test_someone_already_working_cannot_get_a_future_hire_date(self, org):
        org.am.hire_date = datetime.date(2024, 3, 1)
        org.am.save()
        row = here(org, org.am.employee_no, org.am.name, hire=self.next_week().isoformat())
        outcome = check(xlsx([row]))
        assert errors_at(outcome) == {(2, "入职日期")}

    def test_a_hire_date_far_ahead_is_a_typo(self, org):
        far = timezone.localdate() + datetime.timedelta(days=400)
        outcome = check(xlsx([here(org, "N001", "新人", hire=far.isoformat())]))
        assert errors_at(outcome) == {(2, "入职日期")}


@pytest.mark.django_db
class TestPasswordProtectedFile:
    def test_it_says_to_remove_the_password(self, org, client_for):
        response = client_for(org.admin).post(
            reverse("accounts:staff_import"),
            {"file": SimpleUploadedFile("花名册.xlsx", encrypted_xlsx(), content_type=XLSX)},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "密码保护" in page and "另存为 .xlsx" in page
        assert "实际上不是 Excel" not in page
        assert not StaffImport.objects.exists()

    def test_an_old_xls_under_an_xlsx_name_gets_the_wording_for_both(self):
        data = si.OLE2_SIGNATURE + b"\x00" * 1024
        with pytest.raises(si.UploadRefused) as refused:
            si.upload_check("staff.xlsx", data)
        assert "密码" in str(refused.value) and ".xls" in str(refused.value)


def two_level(rows) -> bytes:
    """Row 1: 工号 姓名 手机 邮箱 角色 merged down over two rows, 组织 merged across
    分公司 片区 区域, the rest merged down; row 2: the org columns' own headers."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    top = [*HEADERS[:5], "组织", None, None, *HEADERS[8:]]
    sheet.append(top)
    sheet.append([None] * 5 + HEADERS[5:8] + [None] * 3)
    for column in (1, 2, 3, 4, 5, 9, 10, 11):
        sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    sheet.merge_cells(start_row=1, start_column=6, end_row=1, end_column=8)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.django_db
class TestTwoLevelHeaders:
    def test_a_group_header_over_some_columns_is_read_with_the_row_below(self, org):
        outcome = check(two_level([here(org, "N001", "新人")]))
        assert outcome.errors == []
        assert outcome.counts["new"] == 1
        assert any("第 1 至 2 行" in str(n) for n in outcome.notices), outcome.notices

    def test_a_title_and_a_group_header_above_the_headers(self, org):
        top = ["基本信息", None, None, None, None, "组织信息", None, None, "其他", None, None]
        data = xlsx([here(org, "N001", "新人")], titles=["2026 年员工花名册"])
        # a grouped header between the title and the headers
        from openpyxl import load_workbook as load

        book = load(BytesIO(data))
        book.active.insert_rows(2)
        for column, value in enumerate(top, 1):
            book.active.cell(row=2, column=column, value=value)
        out = BytesIO()
        book.save(out)
        outcome = check(out.getvalue())
        assert outcome.errors == [] and outcome.counts["new"] == 1
        assert any("第 3 行" in str(n) for n in outcome.notices), outcome.notices

    def test_no_header_row_says_which_row_was_read_and_where_they_go(self, org):
        headers = ["编号", "姓名", "手机", "邮箱", "岗位", "分公司", "片区", "区域", "", "", ""]
        outcome = check(xlsx([here(org, "N001", "新人")], headers=headers, titles=["花名册"]))
        messages = " ".join(e["message"] for e in outcome.errors)
        assert "“工号”" in messages and "“角色”" in messages
        # The row with most of our headers, not the title, is the one described.
        assert "第 2 行" in messages and "前 10 行" in messages

    def test_a_data_row_under_the_headers_is_not_taken_for_headers(self, org):
        outcome = check(csv_bytes([here(org, "N001", "新人")]), name="s.csv")
        assert outcome.errors == [] and outcome.counts["new"] == 1


def queued(org, status, minutes_ago, **fields) -> StaffImport:
    """An import whose message to the worker was lost: queued that long ago, never taken."""
    since = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return StaffImport.objects.create(
        created_by=org.admin,
        file_name="big.xlsx",
        file=SimpleUploadedFile("big.xlsx", xlsx([here(org, "N001", "新人")])),
        import_date=timezone.localdate(),
        status=status,
        created_at=since - datetime.timedelta(hours=1),
        total_rows=1,
        new_count=1,
        **fields,
    )


@pytest.mark.django_db
class TestQueueMessageLost:
    def lost_import(self, org, minutes_ago=20):
        return queued(
            org,
            StaffImportStatus.QUEUED_IMPORT,
            minutes_ago,
            confirmed_by=org.admin,
            queued_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )

    def test_a_lost_import_waits_for_confirmation_again(self, org, client_for):
        lost = self.lost_import(org)
        page = client_for(org.admin).get(reverse("accounts:staff_import_detail", args=[lost.pk]))
        lost.refresh_from_db()
        assert lost.status == StaffImportStatus.READY and not lost.password_hash
        assert "任务消息丢失" in lost.message
        html = page.content.decode()
        assert 'data-testid="confirm-import"' in html and 'data-testid="cancel-import"' in html
        assert "js/staff_import.js" not in html

    def test_it_no_longer_blocks_later_uploads(self, org, client_for):
        self.lost_import(org)
        client = client_for(org.admin)
        client.post(
            reverse("accounts:staff_import"),
            {"file": SimpleUploadedFile("n.xlsx", xlsx([here(org, "N002", "又一人")]))},
        )
        assert StaffImport.objects.latest("pk").status == StaffImportStatus.READY

    def test_one_just_confirmed_is_left_waiting(self, org):
        # Uploaded an hour ago, confirmed a minute ago: the worker may still take it.
        waiting = self.lost_import(org, minutes_ago=1)
        assert si.staff_import_recover() == 0
        waiting.refresh_from_db()
        assert waiting.status == StaffImportStatus.QUEUED_IMPORT

    def test_the_wait_is_a_setting(self, org, settings):
        settings.STAFF_IMPORT_UNCLAIMED_MINUTES = 30
        self.lost_import(org, minutes_ago=20)
        assert si.staff_import_recover() == 0
        settings.STAFF_IMPORT_UNCLAIMED_MINUTES = 10
        assert si.staff_import_recover() == 1

    def test_confirmed_again_it_imports_once_even_if_the_lost_message_turns_up(
        self, org, client_for
    ):
        lost = self.lost_import(org)
        si.staff_import_recover()
        # The lost message arrives late: the import is no longer queued, so it does nothing.
        si.staff_import_process(staff_import_id=lost.pk)
        lost.refresh_from_db()
        assert lost.status == StaffImportStatus.READY
        assert not User.objects.filter(employee_no="N001").exists()
        client_for(org.admin).post(
            reverse("accounts:staff_import_confirm", args=[lost.pk]),
            {"initial_password": "Footwork-start-2026"},
        )
        lost.refresh_from_db()
        assert lost.status == StaffImportStatus.DONE and lost.message == ""
        si.staff_import_process(staff_import_id=lost.pk)  # and once more, late
        assert User.objects.filter(employee_no="N001").count() == 1

    def test_cancelled_it_never_imports(self, org, client_for):
        lost = self.lost_import(org)
        client = client_for(org.admin)
        client.get(reverse("accounts:staff_import_detail", args=[lost.pk]))
        response = client.post(
            reverse("accounts:staff_import_confirm", args=[lost.pk]), {"action": "cancel"}
        )
        assert response.status_code == 302
        lost.refresh_from_db()
        assert lost.status == StaffImportStatus.CANCELLED and not lost.file
        page = client.get(reverse("accounts:staff_import_detail", args=[lost.pk])).content.decode()
        assert 'data-testid="import-cancelled"' in page and "已由管理员取消" in page
        assert 'data-testid="import-failed"' not in page
        si.staff_import_process(staff_import_id=lost.pk)
        client.post(
            reverse("accounts:staff_import_confirm", args=[lost.pk]),
            {"initial_password": "Footwork-start-2026"},
        )
        assert not User.objects.filter(employee_no="N001").exists()

    def test_a_lost_check_fails_and_says_to_upload_again(self, org, client_for):
        lost = queued(org, StaffImportStatus.QUEUED_CHECK, 0)
        StaffImport.objects.filter(pk=lost.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=20)
        )
        data = (
            client_for(org.admin)
            .get(reverse("accounts:staff_import_progress", args=[lost.pk]))
            .json()
        )
        assert data["status"] == StaffImportStatus.FAILED and data["running"] is False
        lost.refresh_from_db()
        assert "请重新上传该文件" in lost.message

    def test_a_confirmation_whose_message_is_lost_is_released_later(
        self, org, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(si, "ASYNC_THRESHOLD_ROWS", 0)  # every file goes to the worker
        with django_capture_on_commit_callbacks(execute=True):
            job = si.staff_import_create(
                user=org.admin, name="s.xlsx", data=xlsx([here(org, "N001", "新人")])
            )
        job.refresh_from_db()
        assert job.status == StaffImportStatus.READY
        # The file waited an hour for its confirmation; the message then never arrives.
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
            with django_capture_on_commit_callbacks(execute=False) as sent:
                assert si.staff_import_confirm(
                    staff_import=job, user=org.admin, initial_password="Footwork-start-2026"
                )
            assert len(sent) == 1
            assert si.staff_import_recover() == 0  # just confirmed: not lost
        job.refresh_from_db()
        assert job.status == StaffImportStatus.QUEUED_IMPORT
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=16)):
            assert si.staff_import_recover() == 1
        job.refresh_from_db()
        assert job.status == StaffImportStatus.READY
        assert not User.objects.filter(employee_no="N001").exists()
