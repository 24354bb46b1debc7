"""The annual target import: what it saves, what it refuses, who may use it."""

import datetime
import io
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.staff_import import UploadRefused
from config.worker_locks import WorkerLock
from planning import target_import as ti
from planning.models import PeriodKind, Target, TargetImport, TargetImportStatus, TargetRevision
from planning.selectors import breakdown_proposal, breakdown_rules
from planning.tasks import target_import_run
from tests import factories as f
from tests.planning.helpers import metric

pytestmark = pytest.mark.django_db

YEAR = 2027
HEADERS = ["年度", "区域", "工号", "姓名", "拜访", "折页"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(data: bytes, name: str = "targets.xlsx"):
    return ti.target_import_check(name=name, data=data)


def save(org, data: bytes, name: str = "targets.xlsx"):
    plan = check(data, name)
    return ti.target_import_save(
        actor=org.admin, name=name, data=data, fingerprint=plan.fingerprint
    )


def good_rows(org):
    return [
        [YEAR, "东", "", "", 2400, 1200],
        [YEAR, "东", org.am.employee_no, "张三", 600, 300],
    ]


def cascade(subject: dict, code: str) -> dict:
    return {
        (kind, start): value
        for kind, start, value in Target.objects.filter(metric=metric(code), **subject).values_list(
            "period_kind", "period_start", "value"
        )
    }


class TestSaves:
    def test_it_saves_what_the_breakdown_page_proposes(self, org):
        plan = save(org, xlsx(good_rows(org)))

        assert not plan.errors
        rules = breakdown_rules(org.branch.pk, YEAR)
        for subject, code, annual in (
            ({"region": org.region}, "visits", 2400),
            ({"region": org.region}, "leaflets", 1200),
            ({"user": org.am}, "visits", 600),
            ({"user": org.am}, "leaflets", 300),
        ):
            saved = cascade(subject, code)
            assert saved == breakdown_proposal(YEAR, annual, rules)
            assert saved[(PeriodKind.YEAR, datetime.date(YEAR, 1, 1))] == annual
            kinds = {kind for kind, _start in saved}
            assert kinds == {PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.WEEK}
        assert plan.counts["saved"] == Target.objects.count()
        assert not Target.objects.filter(user=org.peer_am).exists()

    def test_the_history_gives_the_file_as_reason(self, org):
        save(org, xlsx(good_rows(org)), name="2027目标.xlsx")

        revision = TargetRevision.objects.filter(
            target__region=org.region,
            target__period_kind=PeriodKind.YEAR,
            target__metric=metric("visits"),
        ).get()
        assert revision.reason_source == {
            "msgid": "Import: %(file)s",
            "params": {"file": "2027目标.xlsx"},
        }
        assert revision.changed_by == org.admin
        assert "2027目标.xlsx" in revision.shown_reason()

    def test_a_second_import_revises_with_the_old_value(self, org):
        save(org, xlsx(good_rows(org)))
        plan = check(xlsx([[YEAR, "东", "", "", 3600, 1200]]))

        assert plan.counts == {"rows": 1, "new": 0, "changed": 1, "unchanged": 1}
        assert plan.changes == [
            {
                "row": 2,
                "year": YEAR,
                "region": "东",
                "person": "",
                "metric": metric("visits").label,
                "old": 2400,
                "new": 3600,
            }
        ]
        save(org, xlsx([[YEAR, "东", "", "", 3600, 1200]]))
        year = Target.objects.get(
            region=org.region, metric=metric("visits"), period_kind=PeriodKind.YEAR
        )
        assert year.value == 3600
        assert list(year.revisions.values_list("old_value", "new_value")) == [
            (2400, 3600),
            (None, 2400),
        ]

    def test_a_blank_cell_leaves_that_metric_alone(self, org):
        save(org, xlsx([[YEAR, "东", "", "", 2400, None]]))

        assert Target.objects.filter(metric=metric("visits")).exists()
        assert not Target.objects.filter(metric=metric("leaflets")).exists()

    def test_csv_with_codes_and_a_year_written_in_chinese(self, org):
        text = f'年度,区域,工号,visits\n{YEAR}年,东,{org.am.employee_no},"1,200"\n'
        plan = save(org, text.encode("utf-8-sig"), name="t.csv")

        assert not plan.errors
        assert (
            cascade({"user": org.am}, "visits")[(PeriodKind.YEAR, datetime.date(YEAR, 1, 1))]
            == 1200
        )

    def test_targets_changed_since_the_preview_are_not_overwritten(self, org):
        data = xlsx(good_rows(org))
        preview = check(data)
        save(org, xlsx([[YEAR, "东", "", "", 100, 100]]))

        with pytest.raises(ti.TargetsChanged):
            ti.target_import_save(
                actor=org.admin, name="t.xlsx", data=data, fingerprint=preview.fingerprint
            )
        assert (
            cascade({"region": org.region}, "visits")[(PeriodKind.YEAR, datetime.date(YEAR, 1, 1))]
            == 100
        )


class TestRefuses:
    @pytest.mark.parametrize(
        "row, headers, column, words",
        [
            ([YEAR, "北极", "", "", 1, 1], HEADERS, "区域", "北极"),
            ([YEAR, "西", "9999", "", 1, 1], HEADERS, "工号", "9999"),
            ([YEAR, "西", "", "", -5, 1], HEADERS, "拜访", "-5"),
            ([YEAR, "西", "", "", 1.5, 1], HEADERS, "拜访", "1.5"),
            ([YEAR, "西", "", "", "十", 1], HEADERS, "拜访", "十"),
            ([1999, "西", "", "", 1, 1], HEADERS, "年度", "1999"),
            (["明年", "西", "", "", 1, 1], HEADERS, "年度", "明年"),
            ([YEAR, "西", "", "", 1, 1], [*HEADERS[:5], "签单"], "签单", "签单"),
        ],
    )
    def test_each_error_names_row_and_column_and_nothing_is_saved(
        self, org, row, headers, column, words
    ):
        rows = [*good_rows(org), row]
        plan = save(org, xlsx(rows, headers))

        wanted = 1 if column == "签单" else 4
        assert [(e["row"], e["column"]) for e in plan.errors] == [(wanted, column)]
        # The cell as the admin sees it; a column's error names the column.
        assert words in plan.errors[0]["value"] or words in plan.errors[0]["message"]
        assert not Target.objects.exists()
        assert not TargetRevision.objects.exists()

    def test_a_person_not_in_that_region(self, org):
        rows = [[YEAR, "东", org.outsider_am.employee_no, "王五", 1, 1]]
        plan = save(org, xlsx(rows))

        assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "区域")]
        assert "西" in plan.errors[0]["message"]
        assert not Target.objects.exists()

    def test_a_shifted_row_shows_in_the_name(self, org):
        rows = [[YEAR, "东", org.am.employee_no, "李四", 1, 1]]
        plan = check(xlsx(rows))

        assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "姓名")]
        assert "张三" in plan.errors[0]["message"]

    def test_the_same_subject_twice(self, org):
        rows = [*good_rows(org), [YEAR, "东", org.am.employee_no, "", 5, 5]]
        plan = check(xlsx(rows))

        assert [(e["row"], e["column"]) for e in plan.errors] == [(4, "工号")]
        assert "3" in plan.errors[0]["message"]

    def test_a_switched_off_metric_column(self, org):
        closings = metric("closings")
        closings.is_active = False
        closings.save()
        plan = check(xlsx([[YEAR, "东", "", "", 1]], ["年度", "区域", "工号", "姓名", "促成"]))

        assert [(e["row"], e["column"]) for e in plan.errors] == [(1, "促成")]

    def test_a_region_name_two_branches_have_needs_the_branch(self, org):
        f.RegionFactory(branch=org.other_branch, name="东")
        plan = check(xlsx([[YEAR, "东", "", "", 1, 1]]))
        assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "区域")]

        headers = ["年度", "分公司", "区域", "拜访"]
        plan = check(xlsx([[YEAR, org.branch.name, "东", 1]], headers))
        assert not plan.errors

    def test_a_file_that_is_not_a_spreadsheet(self, org):
        with pytest.raises(UploadRefused):
            check(b"not a workbook", name="t.xlsx")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes the ORM's bulk_create, in batches of its ~100 variables a query",
)
def test_queries_do_not_grow_with_the_rows(org):
    def queries(people: int) -> int:
        region = f.RegionFactory(branch=org.branch, name=f"区{people}")
        rows = [[YEAR, region.name, "", "", 100, 50]]
        for _ in range(people):
            am = f.member(region)
            rows.append([YEAR, region.name, am.employee_no, am.name, 10, 5])
        data = xlsx(rows)
        with CaptureQueriesContext(connection) as context:
            plan = ti.target_import_save(
                actor=org.admin, name="t.xlsx", data=data, fingerprint=check(data).fingerprint
            )
        assert not plan.errors
        return len(context)

    assert queries(2) == queries(12)


class TestPages:
    def test_it_checks_previews_and_confirms(self, org, client_for, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        client = client_for(org.admin)
        upload = io.BytesIO(xlsx(good_rows(org)))
        upload.name = "targets.xlsx"

        page = client.post(reverse("planning:target_import"), {"file": upload})

        assert page.status_code == 200
        assert not Target.objects.exists()
        assert page.context["plan"].counts["new"] == 4
        assert page.context["token"]
        done = client.post(
            reverse("planning:target_import_confirm"), {"token": page.context["token"]}
        )
        assert done.status_code == 302
        assert Target.objects.filter(user=org.am, period_kind=PeriodKind.YEAR).count() == 2
        # The kept file is gone: the same confirmation cannot run twice.
        again = client.post(
            reverse("planning:target_import_confirm"), {"token": page.context["token"]}
        )
        assert again.status_code == 302

    def test_files_never_confirmed_are_deleted_a_day_later(
        self, org, client_for, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        kept = tmp_path / "imports" / "targets"
        kept.mkdir(parents=True)
        (kept / "old.xlsx").write_bytes(b"x")
        (kept / "recent.xlsx").write_bytes(b"x")
        day_ago = time.time() - 24 * 3600 - 60
        os.utime(kept / "old.xlsx", (day_ago, day_ago))
        upload = io.BytesIO(xlsx(good_rows(org)))
        upload.name = "targets.xlsx"

        client_for(org.admin).post(reverse("planning:target_import"), {"file": upload})

        names = {path.name for path in kept.iterdir()}
        assert "old.xlsx" not in names and "recent.xlsx" in names and len(names) == 2

    def test_errors_are_listed_and_nothing_kept(self, org, client_for, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        upload = io.BytesIO(xlsx([[YEAR, "北极", "", "", 1, 1]]))
        upload.name = "targets.xlsx"

        page = client_for(org.admin).post(reverse("planning:target_import"), {"file": upload})

        assert page.context["plan"].errors
        assert page.context["token"] == ""
        assert "北极" in page.content.decode()

    @pytest.mark.parametrize("persona", ["rm", "area_manager", "branch_head", "am"])
    def test_it_is_for_admins_only(self, org, client_for, persona):
        client = client_for(getattr(org, persona))
        assert client.get(reverse("planning:target_import")).status_code == 403
        assert client.get(reverse("planning:target_import_template")).status_code == 403
        assert client.post(reverse("planning:target_import_confirm")).status_code == 403

    def test_the_template_has_the_headers_and_todays_people(self, org, client_for):
        response = client_for(org.admin).get(reverse("planning:target_import_template"))

        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0] == [
            "年度",
            "分公司",
            "区域",
            "工号",
            "姓名",
            "拜访",
            "折页",
            "留电话",
            "电话回访",
            "促成",
        ]
        assert [org.region.branch.name, "东", org.am.employee_no, "张三"] in [r[1:5] for r in rows]
        assert [org.region.branch.name, "东", None, None] in [r[1:5] for r in rows]
        assert not any(r[3] == org.deactivated.employee_no for r in rows)

    def test_the_template_filled_in_imports(self, org, client_for):
        response = client_for(org.admin).get(reverse("planning:target_import_template"))
        book = load_workbook(io.BytesIO(response.content))
        for row in book.active.iter_rows(min_row=2):
            row[5].value = 120
        out = io.BytesIO()
        book.save(out)

        plan = check(out.getvalue())

        assert not plan.errors, plan.errors
        assert plan.counts["rows"] == book.active.max_row - 1


def test_a_file_too_large_for_one_request_is_to_be_split(org, monkeypatch):
    # Two rows of two metrics: 2 × 2 × 69 cells (year, 4 quarters, 12 months, 52 weeks).
    monkeypatch.setattr(ti, "MAX_CELLS", 200)
    plan = save(org, xlsx(good_rows(org)))

    assert [(e["row"], e["column"]) for e in plan.errors] == [(None, "")]
    assert "200" in plan.errors[0]["message"]
    assert not Target.objects.exists()


def _saved() -> dict:
    """Every target's value and how many revisions it has, by subject and period."""
    return {
        (t.region_id, t.user_id, t.metric_id, t.period_kind, t.period_start): (
            t.value,
            t.revisions.count(),
        )
        for t in Target.objects.all()
    }


class TestLargeImports:
    """A confirmed file above TARGET_IMPORT_ASYNC_CELLS is saved by the worker."""

    @pytest.fixture(autouse=True)
    def _large(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        # Two rows of two metrics are 276 targets: "large" here.
        settings.TARGET_IMPORT_ASYNC_CELLS = 200

    def _confirm(self, client, org, rows, django_capture_on_commit_callbacks, *, run=True):
        upload = io.BytesIO(xlsx(rows))
        upload.name = "branch.xlsx"
        page = client.post(reverse("planning:target_import"), {"file": upload})
        assert page.context["in_background"] == (
            page.context["plan"].cells > ti.async_threshold_cells()
        )
        with django_capture_on_commit_callbacks(execute=run):
            done = client.post(
                reverse("planning:target_import_confirm"), {"token": page.context["token"]}
            )
        return page.context["token"], done

    def test_it_goes_to_the_worker_and_saves_what_a_small_one_does(
        self, org, client_for, settings, django_capture_on_commit_callbacks
    ):
        client = client_for(org.admin)
        settings.TARGET_IMPORT_ASYNC_CELLS = 40_000
        self._confirm(client, org, good_rows(org), django_capture_on_commit_callbacks)
        assert not TargetImport.objects.exists()  # small: saved in the request, as before
        in_request = _saved()
        Target.objects.all().delete()
        settings.TARGET_IMPORT_ASYNC_CELLS = 200

        _token, done = self._confirm(
            client, org, good_rows(org), django_capture_on_commit_callbacks, run=False
        )

        job = TargetImport.objects.get()
        assert done.url == reverse("planning:target_import_status", args=[job.pk])
        assert job.status == TargetImportStatus.QUEUED and not Target.objects.exists()
        target_import_run.delay(job.pk)  # eager in tests, as the worker would
        job.refresh_from_db()
        assert job.status == TargetImportStatus.DONE and job.finished_at
        assert job.saved_count == len(in_request) == 276
        assert _saved() == in_request
        assert not default_storage.exists(job.file_path)  # the kept file is gone
        page = client.get(done.url)
        assert "import-done" in page.content.decode()
        assert 'http-equiv="refresh"' not in page.content.decode()
        history = client.get(reverse("planning:target_import")).context["history"]
        assert list(history) == [job]

    def test_the_page_refreshes_while_it_waits(
        self, org, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(org.admin)
        token, done = self._confirm(
            client, org, good_rows(org), django_capture_on_commit_callbacks, run=False
        )
        page = client.get(done.url).content.decode()
        assert 'http-equiv="refresh"' in page and "import-running" in page
        # Confirmed twice before the worker got to it: the same import, queued once.
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            again = client.post(reverse("planning:target_import_confirm"), {"token": token})
        assert again.url == done.url and not callbacks
        assert TargetImport.objects.count() == 1

    def test_running_the_task_twice_saves_once(
        self, org, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(org.admin)
        token, _done = self._confirm(
            client, org, good_rows(org), django_capture_on_commit_callbacks
        )
        once = _saved()
        job = TargetImport.objects.get()

        target_import_run(job.pk)  # a duplicate delivery
        target_import_run(job.pk)
        # The same checked file confirmed again: its kept file is gone, nothing is queued.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = client.post(reverse("planning:target_import_confirm"), {"token": token})

        assert not callbacks
        assert again.url == reverse("planning:target_import")
        job.refresh_from_db()
        assert job.status == TargetImportStatus.DONE and job.saved_count == 276
        assert TargetImport.objects.count() == 1
        assert _saved() == once
        assert TargetRevision.objects.count() == len(once) == 276

    def test_a_crash_while_saving_fails_the_import_and_saves_nothing(
        self, org, client_for, monkeypatch, django_capture_on_commit_callbacks, caplog
    ):
        real = ti.services.targets_set_many

        def boom(**kwargs):
            real(**kwargs)  # written, then the transaction must take it back
            raise RuntimeError("disk full")

        monkeypatch.setattr(ti.services, "targets_set_many", boom)
        client = client_for(org.admin)
        _token, done = self._confirm(
            client, org, good_rows(org), django_capture_on_commit_callbacks, run=False
        )
        job = TargetImport.objects.get()
        TargetImport.objects.filter(pk=job.pk).update(language="en")  # the admin's language

        target_import_run(job.pk)

        job.refresh_from_db()
        assert job.status == TargetImportStatus.FAILED
        assert job.saved_count == 0 and job.finished_at
        assert not Target.objects.exists() and not TargetRevision.objects.exists()
        # The admin reads what happened and what to do, not the exception: that is logged
        # with its traceback, under the import's id.
        assert "disk full" not in job.message and "RuntimeError" not in job.message
        assert "did not complete" in job.message and "nothing was saved" in job.message
        assert "Upload the file again" in job.message and "IT support" in job.message
        crash = next(
            r for r in caplog.records if r.getMessage() == f"target import {job.pk} crashed"
        )
        assert crash.exc_info and "disk full" in str(crash.exc_info[1])
        page = client.get(done.url).content.decode()
        assert "disk full" not in page and "did not complete" in page

    def test_errors_found_by_the_worker_are_listed_and_nothing_saved(
        self, org, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(org.admin)
        _token, done = self._confirm(
            client, org, good_rows(org), django_capture_on_commit_callbacks, run=False
        )
        org.region.name = "北"  # renamed between the check and the worker's save
        org.region.save()
        job = TargetImport.objects.get()

        target_import_run(job.pk)

        job.refresh_from_db()
        assert job.status == TargetImportStatus.FAILED
        assert {(e["row"], e["column"]) for e in job.errors} == {(2, "区域"), (3, "区域")}
        assert not Target.objects.exists()
        page = client.get(done.url).content.decode()
        assert "import-failed" in page and "error-table" in page

    def test_targets_changed_since_the_check_are_not_overwritten(
        self, org, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(org.admin)
        self._confirm(client, org, good_rows(org), django_capture_on_commit_callbacks, run=False)
        save(org, xlsx([[YEAR, "东", "", "", 1, 1]]))  # someone else's import meanwhile
        before = _saved()
        job = TargetImport.objects.get()

        target_import_run(job.pk)

        job.refresh_from_db()
        assert job.status == TargetImportStatus.FAILED and job.message
        assert _saved() == before

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a dead worker is told by its advisory lock, which SQLite has not",
    )
    def test_an_import_whose_worker_died_is_failed(self, org, client_for):
        job = TargetImport.objects.create(
            created_by=org.admin,
            file_name="branch.xlsx",
            file_path="imports/targets/gone.xlsx",
            status=TargetImportStatus.RUNNING,
            started_at=timezone.now() - datetime.timedelta(minutes=2),
        )

        page = client_for(org.admin).get(reverse("planning:target_import_status", args=[job.pk]))

        job.refresh_from_db()
        assert job.status == TargetImportStatus.FAILED and job.message
        assert "import-failed" in page.content.decode()

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a dead worker is told by its advisory lock, which SQLite has not",
    )
    def test_a_slow_worker_is_left_alone_a_lost_message_is_failed(self, org):
        running = TargetImport.objects.create(
            created_by=org.admin,
            file_name="branch.xlsx",
            file_path="imports/targets/slow.xlsx",
            status=TargetImportStatus.RUNNING,
            started_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        lost = TargetImport.objects.create(
            created_by=org.admin,
            file_name="branch.xlsx",
            file_path="imports/targets/lost.xlsx",
            created_at=timezone.now() - datetime.timedelta(minutes=20),
        )
        worker = WorkerLock(ti.WORKER_LOCK, running.pk)  # a live worker holds its lock
        try:
            assert worker.hold()
            assert ti.target_import_recover() == 1
        finally:
            worker.close()

        running.refresh_from_db()
        lost.refresh_from_db()
        assert running.status == TargetImportStatus.RUNNING
        assert lost.status == TargetImportStatus.FAILED and lost.message
        assert ti.target_import_recover() == 1  # its worker gone, it is failed too

    @pytest.mark.parametrize("persona", ["rm", "area_manager", "branch_head", "am"])
    def test_the_status_page_is_for_admins_only(self, org, client_for, persona):
        job = TargetImport.objects.create(
            created_by=org.admin, file_name="branch.xlsx", file_path="imports/targets/x.xlsx"
        )
        url = reverse("planning:target_import_status", args=[job.pk])
        assert client_for(getattr(org, persona)).get(url).status_code == 403
        assert client_for(org.admin).get(url).status_code == 200
