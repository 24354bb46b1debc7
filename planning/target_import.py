"""Annual targets from one spreadsheet (.xlsx or UTF-8 .csv): check, preview, confirm.

The admin sets a branch's targets at once instead of one breakdown page per region,
person and metric. The sheet has one row per subject per year:

    年度 | 分公司 | 区域 | 工号 | 姓名 | 折页 | 留电话 | 电话回访 | 促成 | 拜访

A row with 区域 only sets the region's own target; a row with 工号 sets that account
manager's (姓名, when given, must be the 工号's: a row shifted by one in Excel would
give someone else's numbers). 分公司 is needed only where two branches have a region
of the same name. A metric column is named by its Chinese name, English name or code;
a blank cell leaves that metric alone. Each number is the annual target, split into
quarters, months and weeks by working days as the breakdown page's "propose" does
(`selectors.breakdown_proposal`), and saved as its "save" does (`targets_set_many`).

The file is read by the staff import's reader (`read_sheet`, `build_dataset`: the same
refused files, header rows, merged cells and Excel errors). One bad row and nothing
is saved; the check is run again on confirm, in the transaction that saves.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, ngettext_lazy

from accounts.models import Region, RegionMembership, Role, User
from accounts.staff_import import (
    COLUMNS as STAFF_COLUMNS,
)
from accounts.staff_import import (
    RECOVER_GRACE,
    ParsedFile,
    SheetColumns,
    build_dataset,
    normalise_code,
    normalise_name,
    read_sheet,
    restore_leading_zeros,
    unclaimed_after,
)
from accounts.staff_import import (
    _text as cell_text,
)
from activity.models import Metric
from activity.reminders import stored_text
from config.converters import FIRST_DAY, LAST_DAY, is_supported_year
from config.lists import joined
from config.worker_locks import WorkerLock
from config.worker_locks import held as worker_lock_held

from . import periods, services
from .calendar import rules_for_branches
from .forms import MAX_TARGET
from .models import PeriodKind, Target, TargetImport, TargetImportStatus
from .selectors import breakdown_proposal, breakdown_span

logger = logging.getLogger(__name__)

PREVIEW_LIMIT = 500
# Targets one import writes, quarters, months and weeks included (69 per annual number).
# PostgreSQL on two busy cores writes ~3,500 targets with their revisions a second (102
# rows of 5 metrics, 35,190 targets: 8-9.5 s), so a confirmed file above
# settings.TARGET_IMPORT_ASYNC_CELLS is saved by the worker, as a large staff import is,
# and the request stays well inside gunicorn's 30 s. A whole branch (40 regions and 2,000
# AMs of 5 metrics) is ~700,000 targets: its check takes 1.5-10 s in the request, its save
# 0.5-3.5 min on the worker. MAX_CELLS leaves it a margin inside Celery's 9-minute soft
# time limit.
MAX_CELLS = getattr(settings, "TARGET_IMPORT_MAX_CELLS", 800_000)
_STAFF = {key: (header, aliases) for key, header, aliases in STAFF_COLUMNS}
BASE_COLUMNS = [
    ("year", "年度", ("年度", "年份", "year")),
    ("branch", *_STAFF["branch"]),
    ("region", *_STAFF["region"]),
    ("employee_no", *_STAFF["employee_no"]),
    ("name", *_STAFF["name"]),
]


class TargetsChanged(Exception):
    """Targets of the file's subjects changed between the preview and the confirmation."""


def metric_key(metric: Metric) -> str:
    return f"metric:{metric.pk}"


def _aliases(metric: Metric) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in (metric.name, metric.name_en, metric.code) if a))


def sheet_columns(metrics: list[Metric]) -> SheetColumns:
    return SheetColumns(
        columns=[
            *BASE_COLUMNS,
            *((metric_key(m), m.name, _aliases(m)) for m in metrics),
        ],
        required=("year", "region"),
        lookalike_words=("年", "区域", "工号", "姓名", "分公司", *(m.name for m in metrics)),
        anchor="region",
        footer_unless="employee_no",
        too_many_rows=gettext_noop("The file has more than %(max)s target rows; split it."),
        no_rows=gettext_noop("The file has a header row but no target rows."),
        other_sheet=gettext_noop(
            "The targets were read from the sheet “%(sheet)s”; the sheets before it were ignored."
        ),
        footer_rows=ngettext_lazy(
            "Row %(rows)s is a total or a note (合计, 备注…), not targets: skipped.",
            "Rows %(rows)s are totals or notes (合计, 备注…), not targets: skipped.",
            "count",
        ),
    )


@dataclass
class TargetPlan:
    errors: list[dict] = field(default_factory=list)
    notices: list = field(default_factory=list)
    # What changes, one entry per subject and metric whose annual target is new or other.
    changes: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[services.CellKey, int] = field(default_factory=dict)  # the whole cascade
    fingerprint: str = ""
    cells: int = 0  # targets the file sets, quarters, months and weeks included

    @property
    def shown_changes(self) -> list[dict]:
        return self.changes[:PREVIEW_LIMIT]

    @property
    def more_changes(self) -> int:
        return max(len(self.changes) - PREVIEW_LIMIT, 0)


@dataclass
class _Row:
    number: int
    year: int
    region: Region
    person: User | None
    annual: dict[int, int]  # metric id → annual target

    @property
    def subject(self) -> tuple[str, int]:
        return ("user", self.person.pk) if self.person else ("region", self.region.pk)


def _error(number, column: str, value, message: str) -> dict:
    return {"row": number, "column": column, "value": cell_text(value), "message": str(message)}


def parse_count(value) -> int | None:
    """A target cell: None when blank; ValueError with the reason for anything but a
    whole number from 0 (1,200 and full-width digits are read)."""
    value = getattr(value, "value", value)  # a zero-padded NumberCell
    if isinstance(value, bool):
        raise ValueError(_("A target is a whole number."))
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("A target is a whole number.")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(_("A target is a whole number."))
    if number < 0:
        raise ValueError(_("A target cannot be negative."))
    if number > MAX_TARGET:
        raise ValueError(_("This number is too large for a target."))
    return int(number)


def _parse_year(value) -> int:
    text = re.sub(r"\s*年$", "", normalise_code(value))
    if re.fullmatch(r"\d{4}", text) and is_supported_year(int(text)):
        return int(text)
    raise ValueError(
        _("Write the year as four digits, from %(first)s to %(last)s.")
        % {"first": FIRST_DAY.year, "last": LAST_DAY.year}
    )


def target_import_check(*, name: str, data: bytes) -> TargetPlan:
    """Read the file and work out what it would change; raises `UploadRefused` for a file
    that is not read at all. Queries: a fixed number, however many rows."""
    metrics = list(Metric.objects.order_by("order", "pk"))
    active = [m for m in metrics if m.is_active]
    spec = sheet_columns(active)
    sheet = read_sheet(name, data, spec)
    parsed = build_dataset(sheet, spec)
    plan = TargetPlan(errors=list(parsed.errors), notices=list(parsed.notices))
    metric_columns = _check_columns(plan, sheet, parsed, spec, metrics, active)
    if plan.errors and all(error["row"] is None for error in plan.errors):
        return plan  # the columns are wrong: the rows would only repeat it
    rows = _read_rows(plan, parsed, metric_columns)
    if plan.errors:
        plan.errors.sort(key=lambda e: e["row"] or 0)
        return plan
    # Refused before the cascade is worked out: for a whole branch that takes seconds.
    cells = plan.cells = sum(len(row.annual) * _cells_per_year(row.year) for row in rows)
    if cells > MAX_CELLS:
        plan.errors.append(
            _error(
                None,
                "",
                "",
                _(
                    "This file sets %(cells)s targets (quarters, months and weeks included); "
                    "one import sets at most %(max)s, about %(rows)s rows like these. Split "
                    "it, by region for example, and import the parts one after the other."
                )
                % {"cells": cells, "max": MAX_CELLS, "rows": MAX_CELLS * len(rows) // cells},
            )
        )
        return plan
    _plan_cascade(plan, rows, {m.pk: m for m in active}, hashlib.sha256(data).hexdigest())
    return plan


def _cells_per_year(year: int) -> int:
    """The year and every period under it: 1 + 4 + 12 + its weeks."""
    return 1 + sum(len(keys) for _parent, keys in periods.tree(year))


def _check_columns(plan, sheet, parsed: ParsedFile, spec, metrics, active) -> dict[str, Metric]:
    """Metric columns found (column key → metric); a column the import cannot place is an
    error, not a notice: a misspelled 留电话 column would leave those targets unset."""
    by_alias = {a.casefold(): m for m in metrics for a in _aliases(m)}
    names = joined(m.name for m in active)
    unknown = []
    for header in sheet.headers:
        text = cell_text(header)
        if not text or spec.key(text):
            continue
        unknown.append(text)
        metric = by_alias.get(unicodedata.normalize("NFKC", text).strip().casefold())
        message = (
            _(
                "The metric “%(header)s” is switched off: remove the column. Metrics in use: %(metrics)s."
            )
            if metric is not None
            else _(
                "Column “%(header)s” is neither a column of the template nor a metric in "
                "use (%(metrics)s): rename it or remove it."
            )
        ) % {"header": text, "metrics": names}
        plan.errors.append(_error(sheet.header_number, text, "", message))
    if unknown:  # the reader's "was ignored" notices: they are errors here
        plan.notices = [n for n in plan.notices if not any(f"“{h}”" in str(n) for h in unknown)]
    columns = {key: m for m in active if (key := metric_key(m)) in parsed.header_text}
    if not columns and not plan.errors:
        plan.errors.append(
            _error(
                None,
                "",
                "",
                _("No metric column: add one column per metric (%(metrics)s).")
                % {"metrics": names},
            )
        )
    return columns


def _read_rows(plan: TargetPlan, parsed: ParsedFile, metric_columns) -> list[_Row]:
    header = parsed.header_text
    said = len(parsed.notices)
    reading = restore_leading_zeros(parsed)  # 工号 0123 saved by Excel as 123
    plan.notices.extend(parsed.notices[said:])
    for index, by_key in reading.errors.items():
        for key, messages in by_key.items():
            for message in messages:
                plan.errors.append(_error(parsed.numbers[index - 1], header[key], "", message))
    keys = parsed.dataset.headers
    records = [
        (n, dict(zip(keys, row, strict=True)))
        for n, row in zip(parsed.numbers, parsed.dataset, strict=True)
    ]
    bad_cells = {(e["row"], e["column"]) for e in plan.errors}
    numbers = {normalise_code(r.get("employee_no")) for _n, r in records} - {""}
    people = {u.employee_no: u for u in User.objects.filter(employee_no__in=numbers)}
    memberships = defaultdict(list)
    for m in RegionMembership.objects.filter(user__in=people.values()).select_related("region"):
        memberships[m.user_id].append(m)
    regions = defaultdict(list)
    for region in Region.objects.select_related("branch"):
        regions[region.name].append(region)
    rows, seen, empty = [], {}, []
    for number, cells in records:

        def fail(key, message, cells=cells, number=number):
            plan.errors.append(_error(number, header.get(key, key), cells.get(key), message))

        def ok(key, number=number):
            return (number, header.get(key)) not in bad_cells

        annual = {}
        for key, metric in metric_columns.items():
            if not ok(key):
                continue
            try:
                value = parse_count(cells.get(key))
            except ValueError as exc:
                fail(key, exc)
                continue
            if value is not None:
                annual[metric.pk] = value
        year = region = person = None
        if ok("year"):
            try:
                year = _parse_year(cells.get("year"))
            except ValueError as exc:
                fail("year", exc)
        if ok("region"):
            region = _region(fail, cells, regions, year)
        no = normalise_code(cells.get("employee_no"))
        written_name = normalise_name(cells.get("name"))
        if no and ok("employee_no"):
            person = people.get(no)
            if person is None:
                fail("employee_no", _("No staff member has this 工号."))
            elif written_name and written_name != normalise_name(person.name):
                fail(
                    "name",
                    _("工号 %(no)s is %(name)s: is this row shifted?")
                    % {"no": no, "name": person.name},
                )
            elif person.role != Role.ACCOUNT_MANAGER:
                fail(
                    "employee_no",
                    _(
                        "%(name)s is not an account manager: targets are set for account managers and regions."
                    )
                    % {"name": person.name},
                )
            elif region is not None and year is not None:
                first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
                spans = [
                    m
                    for m in memberships[person.pk]
                    if m.start_date <= last and (m.end_date is None or m.end_date >= first)
                ]
                if not any(m.region_id == region.pk for m in spans):
                    fail(
                        "region",
                        _("%(name)s is not in %(region)s in %(year)s (in %(regions)s).")
                        % {
                            "name": person.name,
                            "region": region.name,
                            "year": year,
                            "regions": joined(sorted({m.region.name for m in spans}))
                            or _("no region"),
                        },
                    )
        elif written_name and not no:
            fail(
                "employee_no",
                _(
                    "A row with a 姓名 needs its 工号; a row with 区域 only sets the region's target."
                ),
            )
        if year is None or region is None or (no and person is None):
            continue
        row = _Row(number, year, region, person, annual)
        key = (year, *row.subject)
        if key in seen:
            fail(
                "employee_no" if person else "region",
                _(
                    "Row %(row)s has the same targets to set for %(year)s: one row per region or person and year."
                )
                % {"row": seen[key], "year": year},
            )
            continue
        seen[key] = number
        if annual:
            rows.append(row)
        else:
            empty.append(str(number))
    if empty:
        plan.notices.append(
            ngettext(
                "Row %(rows)s has no number in any metric column: nothing changes for it.",
                "Rows %(rows)s have no number in any metric column: nothing changes for them.",
                len(empty),
            )
            % {"rows": joined(empty)}
        )
    return rows


def _region(fail, cells, regions, year) -> Region | None:
    name = cell_text(cells.get("region"))
    if not name:
        fail("region", _("区域 is required."))
        return None
    found = regions.get(name, [])
    branch = cell_text(cells.get("branch"))
    if branch:
        found = [r for r in found if r.branch.name == branch]
    if not found:
        fail(
            "region",
            _("No region “%(name)s” in %(branch)s.") % {"name": name, "branch": branch}
            if branch
            else _("No region “%(name)s”.") % {"name": name},
        )
        return None
    if len(found) > 1:
        fail(
            "region",
            _("Several branches have a region “%(name)s” (%(branches)s): add a 分公司 column.")
            % {"name": name, "branches": joined(sorted(r.branch.name for r in found))},
        )
        return None
    region = found[0]
    if year is not None and region.closed_on and region.closed_on < datetime.date(year, 1, 1):
        fail(
            "region",
            _("%(name)s closed on %(day)s, before %(year)s.")
            % {"name": name, "day": region.closed_on.isoformat(), "year": year},
        )
        return None
    return region


def _subject_q(rows) -> Q:
    return Q(user_id__in={r.person.pk for r in rows if r.person}) | Q(
        region_id__in={r.region.pk for r in rows if not r.person}
    )


def _plan_cascade(plan: TargetPlan, rows: list[_Row], metrics: dict[int, Metric], digest) -> None:
    years = sorted({r.year for r in rows})
    rules = {
        year: rules_for_branches({r.region.branch_id for r in rows}, *breakdown_span(year))
        for year in years
    }
    old = {
        (
            ("user", t.user_id) if t.user_id else ("region", t.region_id),
            t.period_start.year,
            t.metric_id,
        ): t.value
        for t in Target.objects.filter(
            _subject_q(rows),
            period_kind=PeriodKind.YEAR,
            period_start__in=[datetime.date(y, 1, 1) for y in years],
        ).only("user_id", "region_id", "period_start", "metric_id", "value")
    }
    proposals = {}  # many people share an annual number: split it once
    counts = {"rows": len(rows), "new": 0, "changed": 0, "unchanged": 0}
    for row in rows:
        subject = row.subject
        for metric_id, annual in row.annual.items():
            key = (row.year, row.region.branch_id, annual)
            if key not in proposals:
                proposals[key] = breakdown_proposal(row.year, annual, rules[row.year][key[1]])
            for (kind, start), value in proposals[key].items():
                plan.values[(*subject, metric_id, kind, start)] = value
            before = old.get((subject, row.year, metric_id))
            kind = "new" if before is None else "changed" if before != annual else "unchanged"
            counts[kind] += 1
            if kind != "unchanged":
                plan.changes.append(
                    {
                        "row": row.number,
                        "year": row.year,
                        "region": row.region.name,
                        "person": f"{row.person.employee_no} {row.person.name}"
                        if row.person
                        else "",
                        "metric": metrics[metric_id].label,
                        "old": before,
                        "new": annual,
                    }
                )
    plan.counts = counts
    state = Target.objects.filter(
        _subject_q(rows),
        period_start__range=(datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)),
    ).aggregate(n=Count("pk"), last=Max("updated_at"))
    # What the targets are now, and what the file and the calendar make of them.
    plan.fingerprint = hashlib.sha256(
        f"{state['n']}|{state['last']}|{sorted(proposals.items())!r}|{digest}".encode()
    ).hexdigest()


def target_import_save(*, actor: User, name: str, data: bytes, fingerprint: str) -> TargetPlan:
    """Check the file again and save its cascade, all or nothing. The plan comes back with
    its errors (nothing saved), or with counts["saved"]; `TargetsChanged` when the
    targets moved since the preview the admin confirmed."""
    with transaction.atomic():
        plan = target_import_check(name=name, data=data)
        if plan.errors:
            return plan
        if plan.fingerprint != fingerprint:
            raise TargetsChanged
        reason = stored_text(gettext_noop("Import: %(file)s"), {"file": name[:150]})
        plan.counts["saved"] = services.targets_set_many(
            actor=actor, values=plan.values, reason=reason
        )
    return plan


# --- large imports, saved by the worker ------------------------------------------------

# Advisory-lock namespace held by the worker saving an import, as the staff import's
# WORKER_LOCK: a running import whose lock nobody holds has died with its worker.
WORKER_LOCK = 0x5F1B


def async_threshold_cells() -> int:
    """A confirmed import setting more targets than this is saved by the worker."""
    return settings.TARGET_IMPORT_ASYNC_CELLS


def target_import_queue(
    *, actor: User, name: str, path: str, fingerprint: str, cells: int
) -> TargetImport:
    """Record a confirmed import and hand it to the worker; the same checked file
    confirmed twice gives the import already recorded."""
    job, created = TargetImport.objects.get_or_create(
        file_path=path,
        defaults={
            "created_by": actor,
            "file_name": name[:255],
            "fingerprint": fingerprint,
            "total_cells": cells,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    if created:
        from .tasks import target_import_run

        transaction.on_commit(lambda: target_import_run.delay(job.pk))
    return job


def target_import_process(*, target_import_id: int) -> None:
    """Save a queued import. Idempotent: a conditional status update decides which caller
    saves; a duplicate or late delivery finds nothing to claim and returns."""
    lock = WorkerLock(WORKER_LOCK, target_import_id)
    try:
        # Taken before the claim and let go after the outcome is recorded.
        if lock.hold():
            _process(target_import_id)
    finally:
        lock.close()


def _process(target_import_id: int) -> None:
    claimed = TargetImport.objects.filter(
        pk=target_import_id, status=TargetImportStatus.QUEUED
    ).update(status=TargetImportStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = TargetImport.objects.select_related("created_by").get(pk=target_import_id)
    failure, plan = "", None
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            with default_storage.open(job.file_path, "rb") as handle:
                data = handle.read()
            with transaction.atomic():
                plan = target_import_save(
                    actor=job.created_by, name=job.file_name, data=data, fingerprint=job.fingerprint
                )
                if not plan.errors:
                    # In the saving transaction: saved and marked done, or neither.
                    _record(job, plan, "")
        except TargetsChanged:
            failure = _(
                "Targets of these regions or people changed since the check, so nothing "
                "was saved: upload the file again to see what it changes now."
            )
        except OSError:
            failure = _("The checked file is gone, so nothing was saved: upload it again.")
        except Exception:  # recorded on the import; the transaction saved nothing
            # The exception means nothing to the admin and may show data: it goes to
            # the log with its traceback, under the import's id (in the page's address).
            logger.exception("target import %s crashed", target_import_id)
            failure = _(
                "The import did not complete because of an unexpected error, so nothing "
                "was saved. Upload the file again to retry; if it fails again, tell your "
                "IT support and give them the address of this page."
            )
        if failure or plan is None or plan.errors:
            _record(job, plan, failure)
    default_storage.delete(job.file_path)


def _record(job: TargetImport, plan: TargetPlan | None, failure: str) -> None:
    failed = bool(failure or plan is None or plan.errors)
    job.status = TargetImportStatus.FAILED if failed else TargetImportStatus.DONE
    job.message = failure
    job.errors = plan.errors if plan is not None else []
    job.counts = plan.counts if plan is not None else {}
    job.saved_count = 0 if failed else plan.counts.get("saved", 0)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "errors", "counts", "saved_count", "finished_at"])


def target_import_recover(*, pks=None) -> int:
    """Fail imports whose worker died, or whose message never reached one; returns how
    many. The save is one transaction, so a dead one saved nothing: the admin uploads the
    file again. A late message finds the import no longer queued and saves nothing."""
    now = timezone.now()
    stuck = Q(status=TargetImportStatus.QUEUED, created_at__lt=now - unclaimed_after())
    if connection.vendor == "postgresql":
        stuck |= Q(status=TargetImportStatus.RUNNING, started_at__lt=now - RECOVER_GRACE)
    jobs = TargetImport.objects.filter(stuck)
    if pks is not None:
        jobs = jobs.filter(pk__in=list(pks))
    recovered = 0
    for job in jobs.only("pk", "status", "language", "file_path"):
        if worker_lock_held(WORKER_LOCK, job.pk):
            continue  # alive, however slow: Celery's time limit ends a stuck one
        with translation.override(job.language or settings.LANGUAGE_CODE):
            if job.status == TargetImportStatus.RUNNING:
                message = _(
                    "The import stopped before it finished: the process running it ended "
                    "(restarted, or out of memory). Nothing was saved, as an import is all "
                    "or nothing. Upload the file again."
                )
            else:
                message = _(
                    "No worker started this import within %(minutes)s minutes of its "
                    "confirmation: the message to the background worker was lost (it or "
                    "its queue was restarted). Nothing was saved. Upload the file again."
                ) % {"minutes": int(unclaimed_after().total_seconds() // 60)}
        if TargetImport.objects.filter(pk=job.pk, status=job.status).update(
            status=TargetImportStatus.FAILED, finished_at=now, message=message
        ):
            recovered += 1
            default_storage.delete(job.file_path)
            logger.warning(
                "target import %s: no live worker has it (%s); failed", job.pk, job.status
            )
    return recovered


def template_workbook(*, year: int | None = None) -> bytes:
    """The sheet to fill in: the headers, and a row per open region followed by its
    account managers of today (numbers blank), or two example rows without any."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    today = timezone.localdate()
    year = year or (today.year + 1 if today.month >= 10 else today.year)
    metrics = list(Metric.objects.filter(is_active=True).order_by("order", "pk"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "年度目标"
    sheet.append([header for _k, header, _a in BASE_COLUMNS] + [m.name for m in metrics])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    members = defaultdict(list)
    for m in (
        RegionMembership.objects.on(today)
        .filter(user__role=Role.ACCOUNT_MANAGER, user__is_active=True)
        .select_related("user")
        .order_by("user__employee_no")
    ):
        members[m.region_id].append(m.user)
    regions = (
        Region.objects.open_on(today).select_related("branch").order_by("branch__name", "name")
    )
    for region in regions:
        sheet.append([year, region.branch.name, region.name, "", ""])
        for person in members[region.pk]:
            sheet.append([year, region.branch.name, region.name, person.employee_no, person.name])
    if sheet.max_row == 1:
        sheet.append([year, "示例分公司", "东区", "", ""])
        sheet.append([year, "示例分公司", "东区", "000123", "张三"])
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "@"  # 工号 keep their leading zeros
    for letter, width in zip("ABCDE", (8, 14, 12, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "F2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
