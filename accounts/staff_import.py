"""Staff import from one spreadsheet (.xlsx or UTF-8 .csv): check, dry run, confirm.

The flow:

1. `upload_check` refuses unsafe files (size, extension, signature, zip bombs,
   XML entities) before anything parses them; `read_sheet` turns the first sheet
   into Excel-numbered rows; `build_dataset` maps the free-order Chinese/English
   headers onto our column keys and gives a `tablib.Dataset`.
2. `StaffResource` (django-import-export) cleans every cell with its widgets,
   loads existing people by employee number and writes `User` rows in bulk. Its
   `before_import` hook runs `_Planner`, which checks the whole file at once
   (duplicates, managers, cycles, two managers for one unit, emails in use, a
   region named under another area or branch than its own ...) and works out the
   org changes; `after_import` applies them. New branches, areas and regions are
   listed for the preview (`describe_org_changes`): a typo there creates a unit. Any invalid row
   rolls the whole transaction back: all or nothing.
3. The dry run is import-export's dry run (everything written, then rolled back),
   so the preview counts come from the very code that will run on confirm.

`staff_import_create` / `staff_import_confirm` / `staff_import_process` are the
services the views and the Celery task call.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import io
import itertools
import logging
import re
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, ngettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader, ModelInstanceLoader
from import_export.results import RowResult
from tablib import Dataset

from config.lists import joined
from config.text import phone_number, visible
from config.worker_locks import WorkerLock
from config.worker_locks import held as worker_lock_held

from . import services
from .models import (
    Area,
    Branch,
    Region,
    RegionMembership,
    Role,
    StaffImport,
    StaffImportStatus,
    User,
)

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# An .xlsx of 10,000 staff unpacks to ~5 MB; anything near these limits is an attack.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_COMPRESSION_RATIO = 200
ASYNC_THRESHOLD_ROWS = getattr(settings, "STAFF_IMPORT_ASYNC_ROWS", 2000)
STALE_AFTER = datetime.timedelta(days=1)
DIRECT_REGION_NAME = services.DIRECT_REGION_NAME

# Column key, the header we write, and every header we accept for it.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "employee_no",
        "工号",
        ("工号", "employee_no", "employee no", "employee number", "员工编号", "员工号"),
    ),
    ("name", "姓名", ("姓名", "name", "员工姓名")),
    ("mobile", "手机", ("手机", "手机号", "mobile", "phone", "手机号码")),
    ("email", "邮箱", ("邮箱", "email", "e-mail", "电子邮箱")),
    ("role", "角色", ("角色", "role")),
    ("branch", "分公司", ("分公司", "branch", "所属分公司")),
    ("area", "片区", ("片区", "area", "所属片区")),
    ("region", "区域", ("区域", "region", "所属区域")),
    (
        "manager_employee_no",
        "上级工号",
        ("上级工号", "manager_employee_no", "manager employee no", "manager"),
    ),
    ("hire_date", "入职日期", ("入职日期", "hire_date", "hire date", "入职时间")),
    ("status", "状态", ("状态", "status", "在职状态", "员工状态", "人员状态")),
]
# Words of our headers: an ignored column that has one (联系电话, 离职状态) may hold what
# the admin expects us to read, so the page must not say the file matches the system.
LOOKALIKE_WORDS = (
    "工号",
    "姓名",
    "手机",
    "电话",
    "邮箱",
    "角色",
    "分公司",
    "片区",
    "区域",
    "上级",
    "入职",
    "离职",
    "状态",
)
HEADER_OF = {key: header for key, header, _aliases in COLUMNS}
REQUIRED_COLUMNS = ("employee_no", "name", "role")

ROLE_LABELS = {
    Role.ACCOUNT_MANAGER: "客户经理",
    Role.REGIONAL_MANAGER: "区域经理",
    Role.AREA_MANAGER: "片区经理",
    Role.BRANCH_HEAD: "分公司负责人",
    Role.ADMIN: "管理员",
}
ROLE_ALIASES = {
    **{label: role for role, label in ROLE_LABELS.items()},
    **{role.value: role for role in Role},
    "account manager": Role.ACCOUNT_MANAGER,
    "regional manager": Role.REGIONAL_MANAGER,
    "area manager": Role.AREA_MANAGER,
    "branch head": Role.BRANCH_HEAD,
    "administrator": Role.ADMIN,
    # HR's other words for our roles (DOMAIN.md, 组织与角色).
    "业务员": Role.ACCOUNT_MANAGER,
    "主管": Role.REGIONAL_MANAGER,
    "营销中心负责人": Role.BRANCH_HEAD,
}
# A manager of these works in one branch; a branch head may oversee another branch's head.
BELOW_BRANCH_ROLES = (Role.ACCOUNT_MANAGER, Role.REGIONAL_MANAGER, Role.AREA_MANAGER)
STATUS_ACTIVE, STATUS_LEFT = "在职", "离职"
STATUS_ALIASES = {"在职": True, "active": True, "离职": False, "left": False}
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UploadRefused(Exception):
    """The file is not one we will parse; the message says why, for the admin."""


# --- small normalisers --------------------------------------------------------


def _text(value) -> str:
    """A cell as trimmed text; the export's protective apostrophe is taken off again.
    Characters that show nothing go (`config.text.visible`): an employee number pasted
    into the sheet from WeChat as 1001 and a zero-width space was a new person beside 1001."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = visible(str(value)).strip()
    if text.startswith("'") and text[1:2] in DANGEROUS_PREFIXES:
        text = text[1:]
    return text


def normalise_code(value, number_format: str | None = None) -> str:
    """Employee numbers and phone numbers: full-width → ASCII, trimmed, numeric cells as text.

    A numeric cell formatted "000123" keeps its leading zeros.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return str(value)
        value = int(value)
        digits = str(value)
        if number_format and re.fullmatch(r"0+", number_format):
            digits = digits.zfill(len(number_format))
        return digits
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".", 1)[0]
    return text


def _header_key(header) -> str:
    text = unicodedata.normalize("NFKC", _text(header)).strip().lower()
    # HR templates mark columns "工号（必填）", "角色(必填)", "*姓名": the mark is not the name.
    text = re.sub(r"\((必填|选填|可选)\)|[*＊]", "", text).strip()
    return re.sub(r"[\s_\-]+", " ", text)


@dataclass(frozen=True)
class SheetColumns:
    """What a sheet of one kind holds: its columns (key, the header we write, every header
    we accept), those it cannot do without, and the words of its own headers. The staff
    import's are `STAFF_COLUMNS`; the target import reads its sheets with the same code
    (`read_sheet`, `build_dataset`) and columns of its own."""

    columns: list[tuple[str, str, tuple[str, ...]]]
    required: tuple[str, ...]
    lookalike_words: tuple[str, ...]
    # A second header row under a group header has nothing under this column.
    anchor: str
    # A row with this column filled is never a 合计/备注 footer.
    footer_unless: str
    # What the rows are, for the notices (gettext_noop'd msgids).
    too_many_rows: str = gettext_noop("The file has more than %(max)s staff rows; split it.")
    no_rows: str = gettext_noop("The file has a header row but no staff rows.")
    other_sheet: str = gettext_noop(
        "The staff were read from the sheet “%(sheet)s”; the sheets before it were ignored."
    )
    # One row or several (ngettext_lazy's number is "count", given with the rows).
    footer_rows: str = ngettext_lazy(
        "Row %(rows)s is a total or a note (合计, 备注…), not staff: skipped.",
        "Rows %(rows)s are totals or notes (合计, 备注…), not staff: skipped.",
        "count",
    )
    max_rows: int | None = None  # None: MAX_ROWS

    @property
    def header_of(self) -> dict[str, str]:
        return {key: header for key, header, _aliases in self.columns}

    @functools.cached_property
    def alias_to_key(self) -> dict[str, str]:
        return {_header_key(a): key for key, _h, aliases in self.columns for a in aliases}

    @functools.cached_property
    def alias_rank(self) -> dict[str, int]:
        # 0 for the template's own header: it wins over a variant of it in the same file.
        return {
            _header_key(alias): rank
            for _k, _h, aliases in self.columns
            for rank, alias in enumerate(aliases)
        }

    def key(self, value) -> str | None:
        return self.alias_to_key.get(_header_key(_text(value)))


STAFF_COLUMNS = SheetColumns(
    columns=COLUMNS,
    required=REQUIRED_COLUMNS,
    lookalike_words=LOOKALIKE_WORDS,
    anchor="employee_no",
    footer_unless="role",
)


# --- upload safety and reading ------------------------------------------------


def upload_check(name: str, data: bytes) -> str:
    """Refuse what we will not parse; return the kind ("xlsx" or "csv")."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(_("The file is larger than 5 MB."))
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".xlsx":
        if data.startswith(OLE2_SIGNATURE):
            raise UploadRefused(_ole2_message(data))
        if not data.startswith(b"PK\x03\x04"):
            raise UploadRefused(_("This is not an Excel (.xlsx) file, whatever its name says."))
        _check_zip(data)
        return "xlsx"
    if suffix == ".csv":
        if data.startswith(UTF16_BOMS):
            return "csv"
        if b"\x00" in data[:4096] or data.startswith(b"PK\x03\x04"):
            raise UploadRefused(_("This is not a text (.csv) file, whatever its name says."))
        return "csv"
    if suffix in (".xls", ".et"):  # Excel 97–2003 and WPS: their own binary formats
        raise UploadRefused(
            _(
                "This is an older Excel or WPS file (%(suffix)s): open it, save it as .xlsx "
                "and upload that."
            )
            % {"suffix": suffix}
        )
    raise UploadRefused(_("Upload an .xlsx or a .csv file."))


# Excel saves a password-protected .xlsx as an OLE2 (CFB) container holding the
# encrypted zip, not as a zip: the signature of an old .xls too.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The encrypted package's stream, named in the container's directory (UTF-16LE).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _ole2_message(data: bytes) -> str:
    if _ENCRYPTED_PACKAGE in data:
        return _(
            "This file is password-protected, so it cannot be read. In Excel, open it, "
            "remove the password (File → Info → Protect Workbook → Encrypt with Password, "
            "clear it), save it as .xlsx and upload that."
        )
    return _(
        "This file is password-protected or is an old .xls: in Excel, remove the password "
        "and save it as .xlsx, then upload that."
    )


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRefused(_("The Excel file is damaged and cannot be read.")) from exc
    names = {entry.filename for entry in entries}
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UploadRefused(_("The Excel file has an absurd number of parts; refused."))
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES or any(
        entry.file_size > 1024 * 1024
        and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
        for entry in entries
    ):
        raise UploadRefused(_("The Excel file unpacks to an absurd size (a “zip bomb”); refused."))
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UploadRefused(_("This is not an Excel (.xlsx) workbook."))
    for entry in entries:
        if not entry.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(entry) as part:
            head = part.read(4096)
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise UploadRefused(
                _("The Excel file contains XML entity declarations (an XML attack); refused.")
            )


@dataclass
class Sheet:
    headers: list
    rows: list[tuple[int, list]]  # (row number as Excel shows it, cell values)
    header_number: int = 1  # the (last) header row
    skipped_above: int = 0  # non-blank rows above the header row (a title), ignored
    sheet_name: str = ""  # set when the staff are not on the first sheet
    header_levels: int = 1  # 2: a merged group header above the column names, read as one
    header_found: bool = True  # False: no row had the required columns; the likeliest was read
    merged: list[str] = field(default_factory=list)  # merged ranges of staff rows, filled
    hidden: list[int] = field(default_factory=list)  # staff rows hidden in Excel, read
    error_rows: set[int] = field(default_factory=set)  # rows with an Excel error value


@dataclass
class _SheetLayout:
    """What an .xlsx sheet says beside its cells, known once its rows are read: merged
    ranges as (top, left, bottom, right) 0-based columns with their A1 reference, and
    the hidden rows, and the rows with an Excel error value."""

    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    errors: set[int] = field(default_factory=set)  # rows with a cell showing #N/A, #REF!…


# HR exports often open with a title row or two (a merged "杭州分公司员工名单" banner,
# the export date) above the headers: the header row is the first of these many
# non-blank rows that names every required column; without one, the first row.
HEADER_SEARCH_ROWS = 10


def _keys(values, spec: SheetColumns) -> set[str]:
    return {key for value in values if (key := spec.key(value))}


def _is_header_row(values, spec: SheetColumns) -> bool:
    return all(key in _keys(values, spec) for key in spec.required)


def _two_level(upper, lower, spec: SheetColumns) -> list:
    """Two header rows read as one: "组织" merged across 分公司 片区 区域 on the upper row,
    工号 merged down over both (Excel keeps a merged cell's value in its top cell)."""
    width = max(len(upper), len(lower))
    upper = [*upper, *[None] * (width - len(upper))]
    lower = [*lower, *[None] * (width - len(lower))]
    return [
        low if spec.key(low) or (not spec.key(high) and _text(low)) else high
        for high, low in zip(upper, lower, strict=True)
    ]


def _is_two_level(upper, lower, spec: SheetColumns) -> bool:
    """Each row has some of our headers the other lacks, together every required one, and
    the lower row is no staff row (nothing but a header under 工号)."""
    merged = _two_level(upper, lower, spec)
    if not _is_header_row(merged, spec) or not (_keys(upper, spec) - _keys(lower, spec)):
        return False
    if not (_keys(lower, spec) - _keys(upper, spec)):
        return False
    at = next(i for i, value in enumerate(merged) if spec.key(value) == spec.anchor)
    under = lower[at] if at < len(lower) else None
    return not _text(under) or spec.key(under) == spec.anchor


def _find_header(top, spec: SheetColumns) -> tuple[int, int] | None:
    """(index in `top`, 1 or 2 rows) of the header among the first non-blank rows."""
    for index, (number, values) in enumerate(top):
        below = top[index + 1] if index + 1 < len(top) else None
        if below is not None and below[0] == number + 1 and _is_two_level(values, below[1], spec):
            return index, 2
        if _is_header_row(values, spec):
            return index, 1
    return None


def read_sheet(name: str, data: bytes, spec: SheetColumns = STAFF_COLUMNS) -> Sheet:
    """The header row and non-blank data rows of the first sheet that has a header row
    (else the first sheet), with their Excel row numbers."""
    kind = upload_check(name, data)
    if kind == "xlsx":
        sheets = _read_xlsx(data)
    else:
        layout = _SheetLayout()
        sheets = [("", _read_csv(data, layout), layout)]
    found = None
    for index, (sheet_name, raw, layout) in enumerate(sheets):
        filled = ((number, values) for number, values in raw if any(_text(v) != "" for v in values))
        top = list(itertools.islice(filled, HEADER_SEARCH_ROWS))
        header = _find_header(top, spec)
        if header is not None:
            # A workbook may open with an instructions sheet (填写说明): the staff are on
            # the first sheet that has the headers.
            found = (filled, top, header, sheet_name if index else "", True, layout)
            break
        if index == 0:
            # No sheet has them: the first sheet's row with most of our headers, and its
            # errors (a title row would say every column is missing).
            likeliest = max(range(len(top)), key=lambda i: len(_keys(top[i][1], spec)), default=0)
            found = (filled, top, (likeliest, 1), "", False, layout)
    filled, top, (header_at, levels), sheet_name, header_found, layout = found
    if not top:
        raise UploadRefused(_("The file is empty."))
    header_number, headers = top[header_at + levels - 1]
    if levels == 2:
        headers = _two_level(top[header_at][1], headers, spec)
    # One row past the limit is enough to refuse: a huge file is not read to its end.
    max_rows = spec.max_rows or MAX_ROWS
    rows = list(itertools.islice(itertools.chain(top[header_at + levels :], filled), max_rows + 1))
    if len(rows) > max_rows:
        raise UploadRefused(_(spec.too_many_rows) % {"max": max_rows})
    # The rows are all read, so the sheet's merged ranges (written after its cells) are known.
    merged = _fill_merged(rows, layout.merges, header_number)
    return Sheet(
        headers=headers,
        rows=rows,
        header_number=header_number,
        skipped_above=header_at,
        sheet_name=sheet_name,
        header_levels=levels,
        header_found=header_found,
        merged=merged,
        hidden=[number for number, _values in rows if number in layout.hidden],
        error_rows=layout.errors,
    )


def _fill_merged(rows: list[tuple[int, list]], merges, header_number: int) -> list[str]:
    """HR merges a 区域 or 分公司 cell down over the people in it, and Excel keeps the value
    in the top cell only: the rows below were "区域 is required" where the sheet showed
    西北. A range merged down over staff rows gives its value to each of them; the
    references of those ranges are returned, for the page to say so."""
    by_number = dict(rows)
    filled = []
    for top, left, bottom, right, ref in sorted(merges):
        source = by_number.get(top)
        if top <= header_number or bottom == top or source is None or left >= len(source):
            continue
        for number in range(top + 1, bottom + 1):
            values = by_number.get(number)
            if values is None:
                continue
            values.extend([None] * (right + 1 - len(values)))
            for column in range(left, right + 1):
                if _text(values[column]) == "":
                    values[column] = source[left]
        filled.append(ref)
    return filled


def _read_xlsx(data: bytes) -> list[tuple[str, Iterator, _SheetLayout]]:
    """(name, rows) of every sheet, in order; the rows stream straight from the XML
    (expat, DTDs refused), read only as far as they are asked for.

    openpyxl's read-only reader takes ~3 s for 10,000 rows; this takes well under
    one, and the benchmark's 4x needs that. The small parts (workbook, relations,
    styles, shared strings) go through defusedxml.
    """
    with _damaged_is_refused():
        book = _XlsxBook(zipfile.ZipFile(io.BytesIO(data)))
    sheets = []
    for name, path in book.sheets:
        layout = _SheetLayout()
        sheets.append((name, _refusing_damage(book.rows(path, layout)), layout))
    return sheets


@contextlib.contextmanager
def _damaged_is_refused():
    try:
        yield
    except UploadRefused:
        raise
    except Exception as exc:  # damaged zips and XML raise many kinds
        logger.info("unreadable xlsx refused: %r", exc)
        raise UploadRefused(_("The Excel file is damaged and cannot be read.")) from exc


def _refusing_damage(rows: Iterator) -> Iterator:
    with _damaged_is_refused():
        yield from rows


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class _XlsxBook:
    def __init__(self, archive: zipfile.ZipFile):
        from defusedxml.ElementTree import fromstring
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        self.archive = archive
        names = set(archive.namelist())
        workbook = fromstring(archive.read("xl/workbook.xml"))
        properties = workbook.find(f"{_MAIN_NS}workbookPr")
        self.epoch_1904 = properties is not None and properties.get("date1904") in ("1", "true")
        sheets = workbook.findall(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
        if not sheets:
            raise UploadRefused(_("The Excel file has no sheet."))
        relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {
            rel.get("Id"): rel.get("Target") for rel in relations.iter(f"{_PKG_REL_NS}Relationship")
        }
        # (name, part path) of every sheet, in the workbook's order
        self.sheets = []
        for sheet in sheets:
            target = targets[sheet.get(f"{_REL_NS}id")]
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            self.sheets.append((sheet.get("name", ""), path))
        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for item in fromstring(archive.read("xl/sharedStrings.xml")).iter(f"{_MAIN_NS}si"):
                # Text runs only: phonetic guides (rPh) are not part of the value.
                texts = (
                    [item.find(f"{_MAIN_NS}t")]
                    if item.find(f"{_MAIN_NS}t") is not None
                    else [run.find(f"{_MAIN_NS}t") for run in item.findall(f"{_MAIN_NS}r")]
                )
                self.strings.append("".join((t.text or "") for t in texts if t is not None))
        # Per style index: "date", a zero-padding format such as "000000", or None.
        self.styles: list[str | None] = []
        if "xl/styles.xml" in names:
            styles = fromstring(archive.read("xl/styles.xml"))
            custom = {
                int(fmt.get("numFmtId")): fmt.get("formatCode", "")
                for fmt in styles.iter(f"{_MAIN_NS}numFmt")
            }
            xfs = styles.find(f"{_MAIN_NS}cellXfs")
            for xf in xfs if xfs is not None else []:
                fmt_id = int(xf.get("numFmtId", 0))
                code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
                if re.fullmatch(r"0+", code or ""):
                    self.styles.append(code)
                elif code and is_date_format(code):
                    self.styles.append("date")
                else:
                    self.styles.append(None)

    def rows(self, sheet_path: str, layout: _SheetLayout):
        """The sheet's rows as they are parsed; `layout` is filled on the way (merged
        ranges come after the cells)."""
        from xml.parsers import expat

        from openpyxl.utils.cell import column_index_from_string, range_boundaries
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.epoch_1904 else CALENDAR_WINDOWS_1900
        done: list[tuple[int, list]] = []
        state = {
            "row": 0,
            "values": None,
            "cell": None,
            "text": None,
            "in_value": False,
            "formula": False,
        }
        column_of: dict[str, int] = {}

        def refuse(*_args):
            raise UploadRefused(
                _("The Excel file contains XML entity declarations (an XML attack); refused.")
            )

        def start(tag, attrs):
            tag = tag.rpartition(":")[2]  # "c", or "x:c" from writers that prefix
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = column_of.get(letters)
                    if index is None:
                        index = column_of[letters] = column_index_from_string(letters) - 1
                else:
                    index = len(state["values"])
                state["cell"] = (index, attrs.get("t", "n"), attrs.get("s"))
                state["text"] = []
                state["formula"] = False
            elif tag == "f" and state["cell"] is not None:
                state["formula"] = True
            elif tag in ("v", "t") and state["cell"] is not None:
                state["in_value"] = True
            elif tag == "row":
                number = attrs.get("r")
                state["row"] = int(number) if number else state["row"] + 1
                state["values"] = []
                if attrs.get("hidden") in ("1", "true"):
                    layout.hidden.add(state["row"])
            elif tag == "mergeCell" and attrs.get("ref"):
                try:
                    left, top, right, bottom = range_boundaries(attrs["ref"])
                except (TypeError, ValueError):  # a damaged reference merges nothing
                    return
                if None not in (left, top, right, bottom):
                    layout.merges.append((top, left - 1, bottom, right - 1, attrs["ref"]))

        def end(tag):
            tag = tag.rpartition(":")[2]
            if tag in ("v", "t"):
                state["in_value"] = False
            elif tag == "c" and state["cell"] is not None:
                index, kind, style = state["cell"]
                values = state["values"]
                while len(values) < index:
                    values.append(None)
                raw = "".join(state["text"])
                if state["formula"] and not raw and kind != "inlineStr":
                    # Written by a program that does not compute: the result is not there.
                    values.append(FORMULA_WITHOUT_RESULT)
                    layout.errors.add(state["row"])
                else:
                    values.append(self._value(raw, kind, style, epoch, from_excel))
                if kind == "e":
                    layout.errors.add(state["row"])
                state["cell"] = None
            elif tag == "row":
                done.append((state["row"], state["values"]))

        def text(chunk):
            if state["in_value"]:
                state["text"].append(chunk)

        parser = expat.ParserCreate()  # no namespace processing: plain local tag names
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        parser.buffer_text = True
        with self.archive.open(sheet_path) as stream:
            while chunk := stream.read(256 * 1024):
                parser.Parse(chunk, False)
                yield from done
                done.clear()
            parser.Parse(b"", True)
        yield from done

    def _value(self, raw: str, kind: str, style, epoch, from_excel):
        if kind == "s":
            return self.strings[int(raw)] if raw else None
        if kind in ("inlineStr", "str"):
            return raw
        if kind == "b":
            return raw == "1"
        if kind == "e":
            return raw
        if kind == "d":
            return parse_date(raw[:10]) if raw else None
        if not raw:
            return None
        number = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        fmt = self.styles[int(style)] if style and int(style) < len(self.styles) else None
        if fmt == "date":
            return from_excel(number, epoch)
        if fmt is not None:
            return NumberCell(number, fmt)
        return number


@dataclass(frozen=True)
class NumberCell:
    """A numeric cell with its number format, so "000123" keeps its zeros."""

    value: float | int
    number_format: str

    def __str__(self) -> str:
        return normalise_code(self.value, self.number_format)


# Some HR systems export "CSV" as UTF-16 with tabs (Excel's "Unicode 文本" layout).
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _read_csv(data: bytes, layout: _SheetLayout | None = None):
    # Excel on a Chinese Windows saves "CSV (逗号分隔)" in GBK, not UTF-8: read that as
    # GB18030 (its superset). The preview shows the names before anything is saved.
    delimiter = ","
    try:
        text = data.decode("utf-16" if data.startswith(UTF16_BOMS) else "utf-8-sig")
        if data.startswith(UTF16_BOMS) and "\t" in text.partition("\n")[0]:
            delimiter = "\t"
    except UnicodeDecodeError:
        try:
            if data.startswith(UTF16_BOMS):  # damaged: GBK would read it as nonsense
                raise UnicodeDecodeError("utf-16", data, 0, 2, "damaged")
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UploadRefused(
                _("The CSV file is neither UTF-8 nor GBK text; save it as “CSV UTF-8”.")
            ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            # Excel writes a cell showing #N/A into a CSV as that text.
            if layout is not None and any(value[:1] == "#" for value in values):
                layout.errors.add(reader.line_num)
            yield reader.line_num, values
    except csv.Error as exc:
        raise UploadRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


@dataclass
class ParsedFile:
    dataset: Dataset
    numbers: list[int]  # Excel row number of each dataset row
    header_text: dict[str, str]  # column key → the header as written in the file
    notices: list[str]
    errors: list[dict]  # file-level errors


def build_dataset(sheet: Sheet, spec: SheetColumns = STAFF_COLUMNS) -> ParsedFile:
    columns: dict[str, int] = {}
    header_text: dict[str, str] = {}
    notices, errors = [], []
    if sheet.sheet_name:
        notices.append(_(spec.other_sheet) % {"sheet": sheet.sheet_name})
    if sheet.header_levels == 2:
        rows = {"first": sheet.header_number - 1, "last": sheet.header_number}
        notices.append(
            _(
                "The headers are in rows %(first)s–%(last)s (a group header above the column "
                "names), read as one; the rows above them were ignored."
            )
            % rows
            if sheet.skipped_above
            else _(
                "The headers are in rows %(first)s–%(last)s (a group header above the column "
                "names), read as one."
            )
            % rows
        )
    elif sheet.skipped_above and sheet.header_found:
        notices.append(
            _("The headers are in row %(row)s; the rows above them were ignored.")
            % {"row": sheet.header_number}
        )
    if sheet.merged:
        notices.append(
            _("Merged cells %(ranges)s were read as their value on every row they cover.")
            % {"ranges": _list(sheet.merged)}
        )
    if sheet.hidden:
        notices.append(
            {
                "level": "warning",
                "text": str(
                    ngettext(
                        "Row %(rows)s is hidden in Excel and was read like the others: "
                        "check it below, or delete it from the file if it is not to be "
                        "imported.",
                        "Rows %(rows)s are hidden in Excel and were read like the others: "
                        "check them below, or delete them from the file if they are not to "
                        "be imported.",
                        len(sheet.hidden),
                    )
                    % {"rows": _list([str(n) for n in sheet.hidden])}
                ),
            }
        )
    for index, header in enumerate(sheet.headers):
        text = _text(header)
        if not text:
            continue
        key = spec.alias_to_key.get(_header_key(text))
        if key is None and any(word in text for word in spec.lookalike_words):
            notices.append(
                {
                    "level": "warning",
                    "text": str(
                        _(
                            "Column “%(header)s” is not one of the template's columns and was "
                            "NOT read. If it holds what the import should change (a status, a "
                            "phone), rename it as in the template and upload again."
                        )
                        % {"header": text}
                    ),
                }
            )
        elif key is None:
            notices.append(_("Column “%(header)s” is not ours and was ignored.") % {"header": text})
        elif key in columns:
            rank, used = spec.alias_rank[_header_key(text)], header_text[key]
            if rank == spec.alias_rank[_header_key(used)]:
                errors.append(
                    _file_error(
                        _("Column “%(header)s” appears twice.") % {"header": text}, column=text
                    )
                )
                continue
            if rank < spec.alias_rank[_header_key(used)]:
                columns[key], header_text[key], text, used = index, text, used, text
            notices.append(
                _("Column “%(header)s” was ignored: “%(used)s” was read instead.")
                % {"header": text, "used": used}
            )
        else:
            columns[key] = index
            header_text[key] = text
    for key in spec.required:
        if key not in columns:
            errors.append(
                _file_error(
                    _("The required column “%(header)s” is missing.")
                    % {"header": spec.header_of[key]}
                )
            )
    if errors and not sheet.header_found:
        errors.append(
            _file_error(
                _(
                    "No row among the first %(max)s has the columns %(required)s; row "
                    "%(row)s, the closest, was read as the header row. Put the column names "
                    "in one row above the staff (or two, under a merged group header)."
                )
                % {
                    "max": HEADER_SEARCH_ROWS,
                    "required": _list(f"“{spec.header_of[key]}”" for key in spec.required),
                    "row": sheet.header_number,
                }
            )
        )
    keys = list(columns)
    dataset = Dataset(headers=keys)
    numbers = []
    skipped = []
    for number, values in sheet.rows:
        row = [values[columns[k]] if columns[k] < len(values) else None for k in keys]
        if _is_footer(values, row, keys, spec):
            skipped.append(number)
            continue
        if number in sheet.error_rows:
            errors += _excel_errors(number, row, keys, header_text)
        dataset.append(row)
        numbers.append(number)
    if skipped:
        rows = _list([str(n) for n in skipped])
        notices.append(spec.footer_rows % {"rows": rows, "count": len(skipped)})
    if not numbers and not errors:
        errors.append(_file_error(_(spec.no_rows)))
    return ParsedFile(dataset, numbers, header_text, notices, errors)


# A 花名册 ends with "合计 | | 共50人" and "备注：1.离职人员请在状态栏注明…", and may have
# 小计 rows per team: rows with no 角色 whose first text starts with one of these words.
FOOTER_RE = re.compile(r"^(合计|总计|小计|共计|备注|说明|注[:：]|注意|填表说明|共\s*\d+\s*人)")


def _is_footer(values, row, keys, spec: SheetColumns) -> bool:
    if _text(dict(zip(keys, row, strict=True)).get(spec.footer_unless)):
        return False
    # The word is the row's first text, often in the 工号 column: never a real number.
    first = next((_text(v) for v in values if _text(v)), "")
    return bool(FOOTER_RE.match(unicodedata.normalize("NFKC", first)))


@dataclass
class _CodeReading:
    """How employee numbers that lost their leading zeros were read, per dataset row."""

    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    notes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    restored: list[tuple[int, str, str]] = field(default_factory=list)  # (row, as written, as read)


CODE_KEYS = ("employee_no", "manager_employee_no")


def restore_leading_zeros(parsed: ParsedFile) -> _CodeReading:
    """Excel turns 0002 into 2 when HR re-saves a CSV or types it into an unformatted
    cell. An all-digit number that is nobody's, but is exactly one person's once their
    leading zeros are dropped too, is that person: read as theirs, rewritten in the
    dataset, and said in the preview. Several such people is an error on that cell.
    """
    reading = _CodeReading()
    headers = parsed.dataset.headers or []
    keys = [key for key in CODE_KEYS if key in headers]
    if not keys:
        return reading
    code = EmployeeNoWidget()
    rows = [list(values) for values in parsed.dataset]
    columns = {key: headers.index(key) for key in keys}
    written = {
        (index, key): code.clean(values[columns[key]])
        for index, values in enumerate(rows)
        for key in keys
    }
    digits = {text for text in written.values() if re.fullmatch(r"[0-9]+", text)}
    if not digits:
        return reading
    exact = set(User.objects.filter(employee_no__in=digits).values_list("employee_no", flat=True))
    bare = {text.lstrip("0") for text in digits - exact} - {""}
    by_bare: dict[str, list[str]] = defaultdict(list)
    if bare:
        stripped = Func(F("employee_no"), Value("0"), function="LTRIM", output_field=CharField())
        for no, key in (
            User.objects.annotate(bare_no=stripped)
            .filter(bare_no__in=bare)
            .values_list("employee_no", "bare_no")
        ):
            if re.fullmatch(r"[0-9]+", no):
                by_bare[key].append(no)
    changed = False
    for (index, key), text in written.items():
        if text in exact or text not in digits:
            continue
        matches = sorted(no for no in by_bare.get(text.lstrip("0"), []) if no != text)
        if len(matches) == 1:
            rows[index][columns[key]] = matches[0]
            changed = True
            note = _("%(column)s %(written)s read as %(no)s.") % {
                "column": parsed.header_text.get(key, HEADER_OF[key]),
                "written": text,
                "no": matches[0],
            }
            reading.notes[index + 1].append(str(note))
            reading.restored.append((parsed.numbers[index], text, matches[0]))
        elif len(matches) > 1:
            reading.errors.setdefault(index + 1, {}).setdefault(key, []).append(
                str(
                    _(
                        "%(written)s may be %(nos)s: Excel dropped the leading zeros. Write "
                        "the number in full (format the column as text)."
                    )
                    % {"written": text, "nos": _list(matches)}
                )
            )
    if changed:
        parsed.dataset = Dataset(*rows, headers=headers)
    if reading.restored:
        shown = [
            _("row %(row)s: %(written)s → %(no)s") % {"row": row, "written": written_no, "no": no}
            for row, written_no, no in reading.restored[:20]
        ]
        more = len(reading.restored) - len(shown)
        text = _(
            "Numbers without their leading zeros (Excel drops them) were read as the existing "
            "staff member's: %(list)s"
        ) % {"list": _list(shown)}
        if more:
            text += " " + _("… and %(more)s more.") % {"more": more}
        parsed.notices.append(str(text))
    return reading


# What Excel shows in a cell whose formula failed: a 区域 looked up with VLOOKUP from
# another sheet is #N/A where the lookup found nothing. Read as text, #N/A was a new
# region and #REF! a new person's employee number.
EXCEL_ERRORS = frozenset(
    ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)


class _FormulaWithoutResult(str):
    """A formula cell of an .xlsx whose result the file does not hold: blank, and an
    error of its own rather than "required" (see `_excel_errors`)."""


FORMULA_WITHOUT_RESULT = _FormulaWithoutResult("")


def _excel_errors(number: int, row: list, keys: list[str], header_text: dict) -> list[dict]:
    errors = []
    for key, value in zip(keys, row, strict=True):
        if value is FORMULA_WITHOUT_RESULT:
            message = _(
                "This cell holds a formula whose result is not saved in the file (a file "
                "written by a program rather than by Excel). Open the file in Excel or WPS, "
                "save it, and upload it again; or paste the column as values."
            )
        elif isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            message = _(
                "“%(value)s” is an Excel error: the formula in this cell did not work. "
                "Correct the formula, or copy the column and paste it as values."
            ) % {"value": value}
        else:
            continue
        errors.append(
            {"row": number, "column": header_text[key], "value": str(value), "message": message}
        )
    return errors


def _file_error(message: str, column: str = "") -> dict:
    return {"row": None, "column": column, "value": "", "message": str(message)}


# --- widgets ------------------------------------------------------------------


class CodeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return normalise_code(value.value if isinstance(value, NumberCell) else value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class EmployeeNoWidget(CodeWidget):
    """Never raises: the instance loader cleans every key first; the planner reports blanks."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, NumberCell):
            return str(value)
        return normalise_code(value)


# CJK ideographs (and 〇): a name of only these has no spaces of its own.
_CJK_NAME_RE = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def normalise_name(value) -> str:
    """Trimmed, inner whitespace runs made one space; a name all of CJK characters has
    none at all, so the padded "王　五" is found when someone searches 王五."""
    text = " ".join(_text(value).split())
    if _CJK_NAME_RE.fullmatch(text.replace(" ", "")):
        return text.replace(" ", "")
    return text


class NameWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = normalise_name(value)
        if not text:
            raise ValueError(_("A name is required."))
        if len(text) > 64:
            raise ValueError(_("At most 64 characters."))
        return text


MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# How Excel shows a long number in a General cell, and writes it into a CSV: 1.23457E+11.
# Its last digits are gone; read as text it was a new person numbered 1.23457E+11.
CUT_NUMBER_RE = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)


def cut_number_message(value: str) -> str:
    return _(
        "%(value)s is how Excel shows a long number it has cut: its last digits are lost. "
        "In Excel, format the column as Text, type the numbers again (or copy them from "
        "the HR system) and save the file again."
    ) % {"value": value}


class MobileWidget(CodeWidget):
    def clean(self, value, row=None, **kwargs):
        # (+86)138-0013-8000, 0086 13800138000, 138.0013.8000: the digits.
        text = super().clean(value)
        if CUT_NUMBER_RE.fullmatch(text):
            raise ValueError(cut_number_message(text))
        text = phone_number(text)
        if text and not MOBILE_RE.fullmatch(text):
            raise ValueError(_("Not an 11-digit mainland mobile number."))
        return text or None  # blank: keep what is stored (see StaffResource)


class EmailWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = unicodedata.normalize("NFKC", _text(value))
        if text:
            try:
                validate_email(text)
            except ValidationError as exc:
                raise ValueError(_("Not a valid email address.")) from exc
        return text or None  # blank: keep what is stored (see StaffResource)

    def render(self, value, obj=None, **kwargs):
        return value or ""


def parse_role(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        raise ValueError(_("A role is required."))
    role = ROLE_ALIASES.get(text) or ROLE_ALIASES.get(text.lower())
    if role is None:
        raise ValueError(
            _("Unknown role; use one of %(roles)s.") % {"roles": joined(ROLE_LABELS.values())}
        )
    return role.value


class RoleWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_role(value)

    def render(self, value, obj=None, **kwargs):
        return ROLE_LABELS.get(value, value or "")


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y年%m月%d号", "%Y%m%d")
# A date with a time of day: Excel on a Chinese Windows writes a date-and-time cell into
# a CSV as 2026/11/1 0:00 (an HR system's export often has one), and was "not a date".
_TIME_OF_DAY = re.compile(r"(\S+)\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?")


def parse_date(value) -> datetime.date | None:
    if isinstance(value, NumberCell):
        value = value.value
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date in a cell without a date format
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    if re.fullmatch(r"\d{5}(?:\.0+)?", text, re.ASCII):
        # The same serial written into a CSV from a column formatted as a number: 46357.
        return parse_date(float(text))
    if match := _TIME_OF_DAY.fullmatch(text):
        text = match[1]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("Not a date; write it as 2024-03-01."))


# A joiner's hire date may be weeks ahead (HR sends them before they start); one further
# off is a mistyped year.
HIRE_AHEAD_DAYS = 90


class HireDateWidget(widgets.Widget):
    def __init__(self, today: datetime.date | None = None):
        super().__init__()
        self.today = today

    def clean(self, value, row=None, **kwargs):
        day = parse_date(value)
        today = self.today or timezone.localdate()
        if day is not None and day > today + datetime.timedelta(days=HIRE_AHEAD_DAYS):
            raise ValueError(
                _("The hire date is more than %(days)s days ahead: check the year.")
                % {"days": HIRE_AHEAD_DAYS}
            )
        return day

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


# A regional manager of several regions: "东区、西区" (the export writes 、; HR types commas).
REGION_SEPARATORS = re.compile(r"[、，,]")


def split_regions(value) -> list[str]:
    """The region names in a 区域 cell, in order, each once."""
    names = (name.strip() for name in REGION_SEPARATORS.split(_text(value)))
    return list(dict.fromkeys(name for name in names if name))


def parse_status(value) -> bool:
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    if not text:
        return True
    if text not in STATUS_ALIASES:
        raise ValueError(
            _("Unknown status; use %(active)s or %(left)s.")
            % {"active": STATUS_ACTIVE, "left": STATUS_LEFT}
        )
    return STATUS_ALIASES[text]


# --- the whole-file check and the org plan ------------------------------------


@dataclass
class _Row:
    index: int  # import-export's 1-based row number
    number: int  # Excel row number
    employee_no: str
    role: str | None
    email: str
    branch: str
    area: str
    region: str  # the cell as written
    manager_no: str
    active: bool | None
    values: dict
    hire_date: datetime.date | None = None
    # The region names in the cell: several only for a regional manager ("东区、西区").
    regions: list[str] = field(default_factory=list)
    # The area names in the cell: several only for an area manager.
    areas: list[str] = field(default_factory=list)
    # The branch names in the cell: several only for a branch head ("杭州、宁波"); `branch`
    # is the first of them.
    branches: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    errors: dict[int, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    changes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Said about a row only when it changes something (e.g. how its employee number was read).
    notes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Rows whose change the admin must see before confirming (role or post changes).
    attention_rows: set[int] = field(default_factory=set)
    # Per row: the people not in the file whose post that row's person takes.
    displaced: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    new_branches: list[str] = field(default_factory=list)
    new_areas: list[tuple[str, str]] = field(default_factory=list)
    new_regions: list[tuple[str, str, str]] = field(default_factory=list)  # branch, region, area
    region_area_updates: dict[tuple[str, str], str] = field(default_factory=dict)
    region_manager: dict[tuple[str, str], str | None] = field(default_factory=dict)
    area_manager: dict[tuple[str, str], str | None] = field(default_factory=dict)
    branch_head: dict[str, str | None] = field(default_factory=dict)
    joins: dict[str, tuple[str, str]] = field(default_factory=dict)  # emp no → region key
    # Joiners who start after the import: their membership begins on their hire date.
    join_start: dict[str, datetime.date] = field(default_factory=dict)
    # People who have not started yet whose region or start changes: (region key, start).
    pending: dict[str, tuple[tuple[str, str], datetime.date]] = field(default_factory=dict)
    starts: dict[int, str] = field(default_factory=dict)  # row → "starts on …" for the preview
    # Said about a cell without rejecting the file: (row, column key, message).
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    leaves_region: list[str] = field(default_factory=list)
    deactivate: list[str] = field(default_factory=list)
    reactivate: list[str] = field(default_factory=list)
    absentees: list[tuple[str, str]] = field(default_factory=list)  # (emp no, name)
    deactivating_rows: set[int] = field(default_factory=set)

    def error(self, row: _Row, key: str, message: str) -> None:
        self.errors[row.index].setdefault(key, []).append(str(message))


class _Planner:
    """Checks the file as a whole against itself and the database; plans the org changes."""

    def __init__(
        self,
        *,
        dataset: Dataset,
        numbers,
        import_date,
        full_sync,
        acting_user_id,
        codes: _CodeReading | None = None,
    ):
        self.import_date = import_date
        self.full_sync = full_sync
        self.acting_user_id = acting_user_id
        self.plan = _Plan()
        # AM rows whose 上级工号 names someone who has left (a warning, `_check_managers`).
        self.manager_left_rows: set[int] = set()
        if codes is not None:
            for index, by_key in codes.errors.items():
                for key, messages in by_key.items():
                    self.plan.errors[index].setdefault(key, []).extend(messages)
            for index, notes in codes.notes.items():
                self.plan.notes[index].extend(notes)
        self.rows = [
            self._parse(i, n, dict(zip(dataset.headers, values, strict=True)))
            for i, (n, values) in enumerate(zip(numbers, dataset, strict=True), 1)
        ]

    _code = EmployeeNoWidget()
    _email = EmailWidget()

    def _parse(self, index, number, values) -> _Row:
        def safe(parse, key, default):
            if key not in values:
                return default
            try:
                return parse(values[key])
            except ValueError:
                return None  # the resource's widgets report it

        return _Row(
            index=index,
            number=number,
            employee_no=self._code.clean(values.get("employee_no")),
            role=safe(parse_role, "role", None),
            email=safe(self._email.clean, "email", "") or "",
            branch=_text(values.get("branch")),
            area=_text(values.get("area")),
            region=_text(values.get("region")),
            manager_no=self._code.clean(values.get("manager_employee_no")),
            active=None,
            values=values,
            regions=split_regions(values.get("region")),
            areas=split_regions(values.get("area")),
            hire_date=safe(parse_date, "hire_date", None),
        )

    def run(self) -> _Plan:
        self._load()
        for row in self.rows:
            if "status" in row.values:
                try:
                    row.active = parse_status(row.values["status"])
                except ValueError as exc:
                    self.plan.error(row, "status", str(exc))
            else:
                row.active = True
        self._check_region_lists()
        self._check_keys()
        self._check_units()
        self._check_managers()
        self._check_emails()
        self._check_hire_dates()
        self._plan_units()
        self._plan_positions()
        self._plan_people()
        self._check_account_managers_managers()
        return self.plan

    def _check_hire_dates(self) -> None:
        """A hire date after today is for someone who has not started: a joiner, or a
        leaver coming back. Someone already working keeps the day they started."""
        for row in self.rows:
            me = self.db_users.get(row.employee_no)
            if row.hire_date is None or row.hire_date <= self.import_date or me is None:
                continue
            if not me["is_active"] or me["hire_date"] == row.hire_date:
                continue
            membership = self.open_membership.get(me["id"])
            started = [me["hire_date"]] if me["hire_date"] else []
            if membership is not None:
                started.append(membership["start_date"])
            started = [day for day in started if day <= self.import_date]
            if started:
                self.plan.error(
                    row,
                    "hire_date",
                    _(
                        "Already working here since %(date)s: a hire date after today is "
                        "only for staff who have not started yet."
                    )
                    % {"date": min(started).isoformat()},
                )

    def _start_of(self, row: _Row) -> datetime.date | None:
        """The day a joiner starts when that is after the import; None: from the import."""
        me = self.db_users.get(row.employee_no)
        day = row.hire_date or (me["hire_date"] if me else None)
        return day if day is not None and day > self.import_date else None

    def _check_account_managers_managers(self) -> None:
        """An AM's 上级工号 is not read: their region's RM signs their logs. One that names
        someone else is said (the region decides), so a wrong region is caught."""
        for row in self.by_no.values():
            if not (
                row.role == Role.ACCOUNT_MANAGER
                and row.active
                and row.manager_no
                and row.branch
                and row.regions
            ) or "manager_employee_no" in self.plan.errors.get(row.index, {}):
                continue
            if row.index in self.manager_left_rows:  # said already
                continue
            key = (row.branch, row.regions[0])
            if key in self.plan.region_manager:
                rm = self.plan.region_manager[key]
            else:
                rm = self.current_region_manager.get(key)
            if rm == row.manager_no:
                continue
            if rm is None:
                message = _(
                    "Region %(region)s has no regional manager, so %(no)s does not sign this "
                    "person's logs: the region decides. If %(no)s should, make them the "
                    "region's regional manager in the file or the admin."
                )
            else:
                message = _(
                    "%(no)s is not the regional manager of %(region)s; %(rm)s is, and signs "
                    "this person's logs: the region decides. If that is wrong, correct the "
                    "region or this column."
                )
            self.plan.warnings.append(
                (
                    row.index,
                    "manager_employee_no",
                    str(message % {"no": row.manager_no, "region": key[1], "rm": rm}),
                )
            )

    def _load(self) -> None:
        nos = {r.employee_no for r in self.rows if r.employee_no}
        wanted = nos | {r.manager_no for r in self.rows if r.manager_no}
        self.db_users = {
            u["employee_no"]: u
            for u in User.objects.filter(employee_no__in=wanted).values(
                "id", "employee_no", "name", "is_active", "role", "hire_date"
            )
        }
        self.db_user_by_id = {u["id"]: u for u in self.db_users.values()}
        self.email_owner = {
            email.lower(): no
            for no, email in User.objects.exclude(email="").values_list("employee_no", "email")
        }
        self.branches = {b.name: b for b in Branch.objects.all()}
        self.branch_by_id = {b.id: b for b in self.branches.values()}
        self.areas = {(a.branch.name, a.name): a for a in Area.objects.select_related("branch")}
        self.area_by_id = {a.id: a for a in self.areas.values()}
        self.regions = {
            (r.branch.name, r.name): r for r in Region.objects.select_related("branch", "area")
        }
        self.region_by_id = {r.id: r for r in self.regions.values()}
        self.position_branches: dict[int, set[str]] = defaultdict(set)  # user id → branch names
        for name, branch in self.branches.items():
            if branch.head_id:
                self.position_branches[branch.head_id].add(name)
        for unit in [*self.areas.values(), *self.regions.values()]:
            if unit.manager_id:
                self.position_branches[unit.manager_id].add(unit.branch.name)
        ids = [u["id"] for u in self.db_users.values()]
        self.open_membership = {
            m["user_id"]: m
            for m in RegionMembership.objects.filter(end_date__isnull=True, user_id__in=ids).values(
                "user_id", "region_id", "start_date"
            )
        }
        # An open membership that begins after today is a joiner's, or a move the admin
        # scheduled for someone with earlier memberships: only a joiner's may follow the file.
        later = [
            m["user_id"]
            for m in self.open_membership.values()
            if m["start_date"] > self.import_date
        ]
        self.moved_before = (
            set(
                RegionMembership.objects.filter(
                    user_id__in=later, end_date__isnull=False
                ).values_list("user_id", flat=True)
            )
            if later
            else set()
        )

    def _check_keys(self) -> None:
        seen: dict[str, _Row] = {}
        for row in self.rows:
            if not row.employee_no:
                self.plan.error(row, "employee_no", _("An employee number is required."))
            elif len(row.employee_no) > 32:
                self.plan.error(row, "employee_no", _("At most 32 characters."))
            elif CUT_NUMBER_RE.fullmatch(row.employee_no):
                self.plan.error(row, "employee_no", cut_number_message(row.employee_no))
            elif re.search(r"\s", row.employee_no):
                # "10 01" is a typo for 1001 or someone else: guessing could merge two people.
                self.plan.error(
                    row,
                    "employee_no",
                    _("An employee number has no spaces: write %(no)s if that is what is meant.")
                    % {"no": re.sub(r"\s", "", row.employee_no)},
                )
            elif row.employee_no in seen:
                self.plan.error(
                    row,
                    "employee_no",
                    _("Employee number %(no)s also appears on row %(row)s.")
                    % {"no": row.employee_no, "row": seen[row.employee_no].number},
                )
            else:
                seen[row.employee_no] = row
            me = self.db_users.get(row.employee_no)
            if me and me["id"] == self.acting_user_id:
                if row.active is False:
                    self.plan.error(row, "status", _("You cannot deactivate your own account."))
                if row.role and row.role != Role.ADMIN:
                    self.plan.error(
                        row, "role", _("You cannot take away your own administrator role.")
                    )
        self.by_no = seen

    def _check_region_lists(self) -> None:
        for row in self.rows:
            # A head of several branches has them all in the one 分公司 cell; anyone
            # else's cell is one branch's name, as it always was.
            if row.role == Role.BRANCH_HEAD:
                row.branches = split_regions(row.branch)
                row.branch = row.branches[0] if row.branches else ""
            else:
                row.branches = [row.branch] if row.branch else []
            # An area manager of several areas has them all in the one 片区 cell.
            if len(row.areas) > 1 and row.role not in (None, Role.AREA_MANAGER):
                self.plan.error(
                    row,
                    "area",
                    _(
                        "Several areas (%(areas)s): only an area manager can have several; "
                        "a %(role)s is in one area."
                    )
                    % {"areas": _list(row.areas), "role": ROLE_LABELS[row.role]},
                )
                row.areas = []
            elif row.role != Role.AREA_MANAGER:
                row.areas = [row.area] if row.area else []
            if len(row.regions) < 2 or row.role == Role.REGIONAL_MANAGER:
                continue
            if row.role is not None:
                self.plan.error(
                    row,
                    "region",
                    _(
                        "Several regions (%(regions)s): only a regional manager can have "
                        "several; a %(role)s is in one region."
                    )
                    % {"regions": _list(row.regions), "role": ROLE_LABELS[row.role]},
                )
            row.regions = []  # the error stands for them; no other check repeats it

    def _check_units(self) -> None:
        needs = {
            Role.ACCOUNT_MANAGER: ("branch", "region"),
            Role.REGIONAL_MANAGER: ("branch", "region"),
            Role.AREA_MANAGER: ("branch", "area"),
            Role.BRANCH_HEAD: ("branch",),
        }
        area_of_region: dict[tuple[str, str], _Row] = {}
        holders: dict[tuple, _Row] = {}
        for row in self.rows:
            if (row.region or row.area) and not row.branch:
                key = "region" if row.region else "area"
                self.plan.error(row, key, _("A region or area needs its branch (分公司)."))
            if row.active and row.role in needs and self._stays_unplaced(row):
                self.plan.warnings.append(
                    (
                        row.index,
                        "branch",
                        str(
                            _(
                                "Not placed in the org chart, in the file or in the system: "
                                "left so. Write their branch and region (or area) to place "
                                "them."
                            )
                        ),
                    )
                )
                continue
            for key in needs.get(row.role, ()) if row.active else ():
                if not getattr(row, key):
                    self.plan.error(
                        row,
                        key,
                        _("Required for the role %(role)s.") % {"role": ROLE_LABELS[row.role]},
                    )
            if any(len(name) > 64 for name in row.branches):
                self.plan.error(row, "branch", _("At most 64 characters."))
            if any(len(name) > 64 for name in row.areas):
                self.plan.error(row, "area", _("At most 64 characters."))
            if any(len(name) > 64 for name in row.regions):
                self.plan.error(row, "region", _("At most 64 characters."))
            for region in row.regions:
                self._check_region_stays_put(row, region)
                if not (row.branch and row.area):
                    continue
                first = area_of_region.setdefault((row.branch, region), row)
                # An earlier row that agrees with the system: this row's area is already
                # reported against the system, with where a region is moved.
                if first.area not in (row.area, self._system_area(row.branch, region)):
                    self.plan.error(
                        row,
                        "area",
                        _("Region %(region)s is in area %(area)s on row %(row)s.")
                        % {"region": region, "area": first.area, "row": first.number},
                    )
            if not row.active or not row.branch:
                continue
            units = {
                Role.REGIONAL_MANAGER: [("region", row.branch, name) for name in row.regions],
                Role.AREA_MANAGER: [("area", row.branch, name) for name in row.areas],
                Role.BRANCH_HEAD: [("branch", name) for name in row.branches],
            }.get(row.role, [])
            for unit in units:
                if unit[-1]:
                    self._check_holder(row, unit, holders)
        self.area_of_region = {key: row.area for key, row in area_of_region.items()}

    def _stays_unplaced(self, row: _Row) -> bool:
        """Someone the org chart does not place yet (an RM whose region is not set up,
        an AM not yet given one), whose row names no branch, area or region either: the
        export writes them so, and reading it back leaves them as they are instead of
        refusing the file (QA). A new or returning person still needs their place."""
        me = self.db_users.get(row.employee_no)
        return (
            me is not None
            and me["is_active"]
            and not (row.branch or row.area or row.region)
            and me["id"] not in self.position_branches
            and me["id"] not in self.open_membership
        )

    def _check_holder(self, row: _Row, unit: tuple, holders: dict[tuple, _Row]) -> None:
        """One manager per region and area, one head per branch, in the file."""
        first = holders.setdefault(unit, row)
        if first is not row:
            message = {
                "region": _("Region %(unit)s already has regional manager %(no)s (row %(row)s)."),
                "area": _("Area %(unit)s already has area manager %(no)s (row %(row)s)."),
                "branch": _("Branch %(unit)s already has a head, %(no)s (row %(row)s)."),
            }[unit[0]]
            self.plan.error(
                row,
                "role",
                message % {"unit": unit[-1], "no": first.employee_no, "row": first.number},
            )

    def _system_area(self, branch: str, name: str) -> str | None:
        region = self.regions.get((branch, name))
        return region.area.name if region is not None and region.area is not None else None

    def _check_region_stays_put(self, row: _Row, name: str) -> None:
        """A row names a region where it is, never moves it: one mistyped row would carry
        the region and all its people to another area or branch. The org tree is
        changed in the admin (Configuration → Organisation and staff → Regions)."""
        if not row.branch:
            return
        region = self.regions.get((row.branch, name))
        if region is not None and region.closed_on is not None:
            # Applying would fail (nobody moves into a closed region, it has no manager):
            # say so at the check, on the cell. A roster from before the closing names it.
            self.plan.error(
                row,
                "region",
                _(
                    "Region %(region)s closed on %(date)s: give the region this person is "
                    "in now. To open it again, clear its closing date under Configuration → "
                    "Organisation and staff → Regions."
                )
                % {"region": name, "date": region.closed_on},
            )
            return
        if region is not None:
            if row.area and region.area is not None and region.area.name != row.area:
                self.plan.error(
                    row,
                    "area",
                    _(
                        "Region %(region)s belongs to area %(area)s. Moving a region to "
                        "another area is done under Configuration → Organisation and staff → "
                        "Regions."
                    )
                    % {"region": name, "area": region.area.name},
                )
            return
        # The same name in another branch of the system is that region, named under the
        # wrong branch. A branch the file creates brings its own regions; every branch
        # has a 直属.
        if name == DIRECT_REGION_NAME or row.branch not in self.branches:
            return
        elsewhere = sorted(b for b, other in self.regions if other == name)
        if elsewhere:
            self.plan.error(
                row,
                "branch",
                _(
                    "Region %(region)s belongs to branch %(branch)s. Moving a region to "
                    "another branch, or adding a second region of that name, is done under "
                    "Configuration → Organisation and staff → Regions."
                )
                % {"region": name, "branch": _list(elsewhere)},
            )

    def _check_managers(self) -> None:
        for row in self.rows:
            no = row.manager_no
            if not no:
                continue
            if no == row.employee_no:
                self.plan.error(row, "manager_employee_no", _("Nobody can report to themselves."))
                continue
            in_file = self.by_no.get(no)
            in_db = self.db_users.get(no)
            if in_file is None and in_db is None:
                self.plan.error(
                    row,
                    "manager_employee_no",
                    _("No staff member with employee number %(no)s in the file or the system.")
                    % {"no": no},
                )
            elif (in_file is not None and in_file.active is False) or (
                in_file is None and not in_db["is_active"]
            ):
                if row.active is False:
                    continue  # leaving too: whom they reported to sets nothing
                if row.role == Role.ACCOUNT_MANAGER:
                    # Not read for an AM (`_check_account_managers_managers`): an RM who
                    # leaves in the same file as her AMs, still named as theirs, refused
                    # the whole sheet, one error per AM, for a column that sets nothing.
                    self.manager_left_rows.add(row.index)
                    self.plan.warnings.append(
                        (
                            row.index,
                            "manager_employee_no",
                            str(
                                _(
                                    "The manager %(no)s has left: this person's logs are "
                                    "signed by their region's regional manager, or while it "
                                    "has none, by the next manager up. Name the new regional "
                                    "manager here once there is one."
                                )
                                % {"no": no}
                            ),
                        )
                    )
                    continue
                self.plan.error(
                    row, "manager_employee_no", _("The manager %(no)s has left.") % {"no": no}
                )
            elif row.active and row.branch and row.role in BELOW_BRANCH_ROLES:
                theirs = self._branches_of(no)
                if theirs and row.branch not in theirs:
                    self.plan.error(
                        row,
                        "manager_employee_no",
                        _("The manager %(no)s works in %(their)s, not in %(branch)s.")
                        % {"no": no, "their": _list(sorted(theirs)), "branch": row.branch},
                    )
        # Reporting lines in the file must not loop back on themselves.
        boss = {r.employee_no: r.manager_no for r in self.by_no.values() if r.manager_no}
        state: dict[str, int] = {}  # 1 on the current path, 2 known to end
        for start in boss:
            path, node = [], start
            while node in boss and state.get(node) is None:
                state[node] = 1
                path.append(node)
                node = boss[node]
            if state.get(node) == 1:
                cycle = path[path.index(node) :]
                chain = " → ".join([*cycle, node])
                for no in cycle:
                    self.plan.error(
                        self.by_no[no],
                        "manager_employee_no",
                        _("The reporting lines go round in a circle: %(chain)s.")
                        % {"chain": chain},
                    )
            for no in path:
                state[no] = 2

    def _branches_of(self, no: str) -> set[str]:
        """The branches a manager works in: their row's, else their places in the system
        (empty when unknown, e.g. an admin above the branches)."""
        in_file = self.by_no.get(no)
        if in_file is not None:
            return set(in_file.branches)
        user_id = self.db_users[no]["id"]
        branches = set(self.position_branches.get(user_id, ()))
        membership = self.open_membership.get(user_id)
        if membership is not None:
            branches.add(self.region_by_id[membership["region_id"]].branch.name)
        return branches

    def _check_emails(self) -> None:
        seen: dict[str, _Row] = {}
        for row in self.rows:
            if not row.email:
                continue
            key = row.email.lower()
            if key in seen:
                self.plan.error(
                    row,
                    "email",
                    _("The email is also on row %(row)s.") % {"row": seen[key].number},
                )
                continue
            seen[key] = row
            owner = self.email_owner.get(key)
            if owner is not None and owner != row.employee_no:
                self.plan.error(
                    row, "email", _("Staff member %(no)s already uses this email.") % {"no": owner}
                )

    # -- planning (only meaningful when there are no errors, but cheap either way) --

    def _plan_units(self) -> None:
        plan = self.plan
        new_branches: dict[str, None] = {}  # ordered sets
        new_areas: dict[tuple[str, str], None] = {}
        for row in self.rows:
            for name in row.branches:
                if name not in self.branches:
                    new_branches[name] = None
            for name in row.areas if row.branch else ():
                if (row.branch, name) not in self.areas:
                    new_areas[(row.branch, name)] = None
        plan.new_branches, plan.new_areas = list(new_branches), list(new_areas)
        for (branch, region), area in self.area_of_region.items():
            existing = self.regions.get((branch, region))
            if existing is not None and (existing.area.name if existing.area else "") != area:
                plan.region_area_updates[(branch, region)] = area
        planned = set()
        for row in self.rows:
            for name in row.regions if row.branch else ():
                key = (row.branch, name)
                if key not in self.regions and key not in planned:
                    planned.add(key)
                    plan.new_regions.append((row.branch, name, self.area_of_region.get(key, "")))

    def _plan_positions(self) -> None:
        plan = self.plan
        in_file_ids = {self.db_users[no]["id"] for no in self.by_no if no in self.db_users}
        no_of_id = {u["id"]: no for no, u in self.db_users.items()}
        # Whoever holds a post now, in the file or not: taking a post from someone the
        # file does not mention leaves them with their role and no post (QA D2).
        holder_ids = {r.manager_id for r in self.regions.values()}
        holder_ids |= {a.manager_id for a in self.areas.values()}
        holder_ids |= {b.head_id for b in self.branches.values()}
        holders = {
            u["id"]: u
            for u in User.objects.filter(pk__in=holder_ids - {None}).values(
                "id", "employee_no", "name", "role"
            )
        }
        holder_by_no = {u["employee_no"]: u for u in holders.values()}

        def holder_no(user_id):
            return holders[user_id]["employee_no"] if user_id in holders else None

        # Everyone in the file holds exactly the positions their row gives them.
        for key, region in self.regions.items():
            if region.manager_id in in_file_ids:
                plan.region_manager[key] = None
        for key, area in self.areas.items():
            if area.manager_id in in_file_ids:
                plan.area_manager[key] = None
        for name, branch in self.branches.items():
            if branch.head_id in in_file_ids:
                plan.branch_head[name] = None
        heads, region_keys = {}, set()
        for row in self.by_no.values():
            if row.branch:
                region_keys |= {(row.branch, name) for name in row.regions}
            if not row.active or not row.branch:
                continue
            if row.role == Role.REGIONAL_MANAGER:
                for name in row.regions:
                    plan.region_manager[(row.branch, name)] = row.employee_no
            elif row.role == Role.AREA_MANAGER:
                for name in row.areas:
                    plan.area_manager[(row.branch, name)] = row.employee_no
            elif row.role == Role.BRANCH_HEAD:
                for name in row.branches:
                    plan.branch_head[name] = row.employee_no
                    heads[name] = row.employee_no
        # A 直属 region is managed by its branch head unless the file names a regional manager.
        file_branches = {name for row in self.rows for name in row.branches}
        region_keys |= {key for key in self.regions if key[0] in file_branches}
        for branch, region in region_keys:
            if region != DIRECT_REGION_NAME or plan.region_manager.get((branch, region)):
                continue
            head = heads.get(branch)
            if head is None and branch in self.branches and branch not in plan.branch_head:
                head = no_of_id.get(self.branches[branch].head_id)
            if head is not None:
                plan.region_manager[(branch, region)] = head
        # Describe, per person, what they gain and lose; drop assignments that change nothing.
        current = {
            "region": {k: holder_no(r.manager_id) for k, r in self.regions.items()},
            "area": {k: holder_no(a.manager_id) for k, a in self.areas.items()},
            "branch": {k: holder_no(b.head_id) for k, b in self.branches.items()},
        }
        self.current_region_manager = current["region"]
        for kind, wanted in (
            ("region", plan.region_manager),
            ("area", plan.area_manager),
            ("branch", plan.branch_head),
        ):
            for key, no in list(wanted.items()):
                unit_name = key if isinstance(key, str) else key[1]
                exists = key in current[kind]
                before = current[kind].get(key)
                if exists and before == no:
                    del wanted[key]
                    continue
                if no is not None and no in self.by_no:
                    plan.changes[self.by_no[no].index].append(_gain_message(kind, unit_name))
                    plan.attention_rows.add(self.by_no[no].index)
                if before is None or before == no:
                    continue
                if before in self.by_no:
                    plan.changes[self.by_no[before].index].append(_loss_message(kind, unit_name))
                    plan.attention_rows.add(self.by_no[before].index)
                elif no is not None and no in self.by_no:
                    gone = holder_by_no[before]
                    plan.displaced[self.by_no[no].index].append(
                        _displaced_message(kind, unit_name, gone)
                    )

    def _plan_people(self) -> None:
        plan = self.plan
        for row in self.by_no.values():
            me = self.db_users.get(row.employee_no)
            membership = self.open_membership.get(me["id"]) if me else None
            current_region = self.region_by_id[membership["region_id"]] if membership else None
            if row.active is False:
                if me is None or me["is_active"]:
                    plan.deactivate.append(row.employee_no)
                    if me is not None:
                        plan.deactivating_rows.add(row.index)
                        plan.changes[row.index].append(str(_("Deactivated: can no longer log in.")))
                continue
            if me is not None and not me["is_active"]:
                plan.reactivate.append(row.employee_no)
                plan.changes[row.index].append(str(_("Reactivated: can log in again.")))
            start = self._start_of(row)
            if me is None and start is not None:
                plan.starts[row.index] = (
                    _(
                        "Starts on %(date)s: a member of region %(region)s from then, so no "
                        "log is due before."
                    )
                    % {"date": start.isoformat(), "region": row.regions[0]}
                    if row.role == Role.ACCOUNT_MANAGER and row.regions
                    else _("Starts on %(date)s (hire date).") % {"date": start.isoformat()}
                )
            if row.role == Role.ACCOUNT_MANAGER and row.branch and row.regions:
                key = (row.branch, row.regions[0])
                here = (
                    current_region is not None
                    and (current_region.branch.name, current_region.name) == key
                )
                if membership is not None and membership["start_date"] > self.import_date:
                    if me["id"] not in self.moved_before:
                        self._plan_pending(row, me, key, membership, here=here)
                    elif not here:
                        plan.error(
                            row,
                            "region",
                            _("Their current region membership starts on %(date)s, after today.")
                            % {"date": membership["start_date"]},
                        )
                    continue
                if here:
                    continue
                plan.joins[row.employee_no] = key
                if start is not None:
                    plan.join_start[row.employee_no] = start
                if me is not None:
                    plan.changes[row.index].append(
                        _("Region: %(old)s → %(new)s from %(date)s.")
                        % {
                            "old": current_region.name if current_region else "—",
                            "new": row.regions[0],
                            "date": (start or self.import_date).isoformat(),
                        }
                    )
            elif membership is not None:
                plan.leaves_region.append(row.employee_no)
                plan.changes[row.index].append(
                    _("Leaves region %(region)s on %(date)s.")
                    % {"region": current_region.name, "date": self.import_date.isoformat()}
                )
        if self.full_sync:
            self._plan_absentees()

    def _plan_pending(self, row: _Row, me: dict, key, membership: dict, *, here: bool) -> None:
        """Someone who has not started yet: their one membership, with no day of work in
        it, follows their region and hire date (nothing to keep as history)."""
        day = row.hire_date or me["hire_date"]
        begin = max(day, self.import_date) if day is not None else membership["start_date"]
        if here and begin == membership["start_date"]:
            return
        self.plan.pending[row.employee_no] = (key, begin)
        self.plan.changes[row.index].append(
            _("Starts on %(date)s in region %(region)s.")
            % {"date": begin.isoformat(), "region": key[1]}
        )

    def _plan_absentees(self) -> None:
        branch_names = {r.branch for r in self.rows if r.branch}
        branch_ids = [self.branches[n].id for n in branch_names if n in self.branches]
        regions = Region.objects.filter(branch_id__in=branch_ids)
        absent = (
            User.objects.filter(is_active=True)
            .exclude(role=Role.ADMIN)
            .exclude(employee_no__in=list(self.by_no))
            .exclude(pk=self.acting_user_id)
            .filter(
                Q(memberships__end_date__isnull=True, memberships__region__in=regions)
                | Q(managed_regions__in=regions)
                | Q(managed_areas__branch_id__in=branch_ids)
                | Q(headed_branches__in=branch_ids)
            )
            .distinct()
            .values_list("employee_no", "name")
        )
        self.plan.absentees = sorted(absent)


# How a language joins a list ("钱塘、东北区" / "钱塘, 东北区"), as CLDR's list patterns.
NAMES_PATTERN = gettext_noop("%(list)s, %(item)s")
CLAUSES_PATTERN = gettext_noop("%(list)s; %(item)s")


def _list(names, pattern: str = NAMES_PATTERN) -> str:
    names = list(names)
    text = names[0] if names else ""
    for name in names[1:]:
        text = _(pattern) % {"list": text, "item": name}
    return text


def _gain_message(kind: str, unit: str) -> str:
    return {
        "region": _("Becomes regional manager of %(unit)s."),
        "area": _("Becomes area manager of %(unit)s."),
        "branch": _("Becomes head of branch %(unit)s."),
    }[kind] % {"unit": unit}


def _loss_message(kind: str, unit: str) -> str:
    return {
        "region": _("No longer regional manager of %(unit)s."),
        "area": _("No longer area manager of %(unit)s."),
        "branch": _("No longer head of branch %(unit)s."),
    }[kind] % {"unit": unit}


def _displaced_message(kind: str, unit: str, holder: dict) -> str:
    return {
        "region": _(
            "Replaces %(no)s %(name)s as regional manager of %(unit)s. %(no)s is not in the "
            "file: they stay %(role)s with no region to manage (give them a post in the file "
            "or the admin)."
        ),
        "area": _(
            "Replaces %(no)s %(name)s as area manager of %(unit)s. %(no)s is not in the "
            "file: they stay %(role)s with no area to manage (give them a post in the file "
            "or the admin)."
        ),
        "branch": _(
            "Replaces %(no)s %(name)s as head of branch %(unit)s. %(no)s is not in the file: "
            "they stay %(role)s with no branch to head (give them a post in the file or the "
            "admin)."
        ),
    }[kind] % {
        "unit": unit,
        "no": holder["employee_no"],
        "name": holder["name"],
        "role": ROLE_LABELS.get(holder["role"], holder["role"]),
    }


# --- the django-import-export resource ----------------------------------------


class StaffResource(resources.ModelResource):
    """People by employee number, written in bulk; the org tree in `after_import`."""

    employee_no = fields.Field(
        attribute="employee_no", column_name="employee_no", widget=EmployeeNoWidget()
    )
    name = fields.Field(attribute="name", column_name="name", widget=NameWidget())
    # A blank phone, e-mail or hire date keeps what is stored: HR files often leave
    # them out for some people, and QA saw a blank cell wipe a stored phone. Clearing
    # one is done in the admin.
    mobile = fields.Field(
        attribute="mobile",
        column_name="mobile",
        widget=MobileWidget(),
        saves_null_values=False,
    )
    email = fields.Field(
        attribute="email", column_name="email", widget=EmailWidget(), saves_null_values=False
    )
    role = fields.Field(attribute="role", column_name="role", widget=RoleWidget())
    hire_date = fields.Field(
        attribute="hire_date",
        column_name="hire_date",
        widget=HireDateWidget(),
        saves_null_values=False,
    )

    COMPARED = ("name", "mobile", "email", "role", "hire_date")

    class Meta:
        model = User
        fields = ("employee_no", "name", "mobile", "email", "role", "hire_date")
        import_id_fields = ("employee_no",)
        # One query for every existing person instead of one per row.
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True
        report_skipped = True
        # Our own change list (for the preview) replaces the generic HTML diff.
        skip_diff = True
        clean_model_instances = False
        use_transactions = True

    def __init__(
        self,
        *,
        numbers: list[int],
        import_date: datetime.date,
        password_hash: str = "",
        full_sync: bool = False,
        acting_user_id: int | None = None,
        progress=None,
        codes: _CodeReading | None = None,
    ):
        super().__init__()
        self.codes = codes
        self.numbers = numbers
        self.import_date = import_date
        self.password_hash = password_hash
        self.full_sync = full_sync
        self.acting_user_id = acting_user_id
        self.progress = progress
        self.fields["hire_date"].widget = HireDateWidget(today=import_date)
        self.plan = _Plan()
        self.field_changes: dict[int, list[tuple[str, str, str]]] = {}
        self._originals: dict[int, tuple] = {}

    # import-export hooks

    def before_import(self, dataset, **kwargs):
        self.plan = _Planner(
            dataset=dataset,
            numbers=self.numbers,
            import_date=self.import_date,
            full_sync=self.full_sync,
            acting_user_id=self.acting_user_id,
            codes=self.codes,
        ).run()

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            self._originals[kwargs["row_number"]] = tuple(
                getattr(instance, name) for name in self.COMPARED
            )

    def import_instance(self, instance, row, **kwargs):
        errors = dict(self.plan.errors.get(kwargs["row_number"], {}))
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        number = self._current_row
        before = self._originals.get(number)
        if before is None or import_validation_errors:
            return False
        changed = [
            (name, old, getattr(instance, name))
            for name, old in zip(self.COMPARED, before, strict=True)
            if old != getattr(instance, name)
        ]
        if changed:
            self.field_changes[number] = changed
        return self._meta.skip_unchanged and not changed

    def import_row(self, row, instance_loader, **kwargs):
        self._current_row = kwargs["row_number"]
        return super().import_row(row, instance_loader, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.password = self.password_hash or make_password(None)
            # Everyone in the file gets the same initial password: each picks their own.
            instance.must_change_password = bool(self.password_hash)

    def after_import_row(self, row, row_result, **kwargs):
        if self.progress is not None:
            self.progress(kwargs["row_number"])

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_validation_errors() or result.has_errors():
            return
        _apply_plan(self.plan, import_date=self.import_date)


class RowByRowStaffResource(StaffResource):
    """The same import with django-import-export's defaults: one query and one save per
    row, each in its own savepoint. Kept for the benchmark's comparison."""

    class Meta(StaffResource.Meta):
        instance_loader_class = ModelInstanceLoader
        use_bulk = False
        skip_unchanged = False
        skip_diff = False


def _apply_plan(plan: _Plan, *, import_date: datetime.date) -> None:
    """Write the org changes the planner worked out; runs inside the import's transaction."""
    Branch.objects.bulk_create([Branch(name=name) for name in plan.new_branches])
    branches = {b.name: b for b in Branch.objects.all()}
    Area.objects.bulk_create([Area(branch=branches[b], name=a) for b, a in plan.new_areas])
    areas = {(a.branch.name, a.name): a for a in Area.objects.select_related("branch")}
    Region.objects.bulk_create(
        [
            Region(branch=branches[b], name=r, area=areas.get((b, a)) if a else None)
            for b, r, a in plan.new_regions
        ]
    )
    regions = {(r.branch.name, r.name): r for r in Region.objects.select_related("branch")}
    moved = []
    for key, area in plan.region_area_updates.items():
        region = regions[key]
        region.area = areas[(key[0], area)]
        moved.append(region)
    Region.objects.bulk_update(moved, ["area"])

    nos = set(plan.region_manager.values()) | set(plan.area_manager.values())
    nos |= set(plan.branch_head.values()) | set(plan.joins) | set(plan.leaves_region)
    nos |= set(plan.deactivate) | set(plan.reactivate) | {no for no, _n in plan.absentees}
    nos |= set(plan.pending)
    nos.discard(None)
    users = {u.employee_no: u for u in User.objects.filter(employee_no__in=list(nos))}

    def user_id(no):
        return users[no].pk if no else None

    changed_regions = []
    for key, no in plan.region_manager.items():
        regions[key].manager_id = user_id(no)
        changed_regions.append(regions[key])
    Region.objects.bulk_update(changed_regions, ["manager"])
    changed_areas = []
    for key, no in plan.area_manager.items():
        areas[key].manager_id = user_id(no)
        changed_areas.append(areas[key])
    Area.objects.bulk_update(changed_areas, ["manager"])
    changed_branches = []
    for name, no in plan.branch_head.items():
        branches[name].head_id = user_id(no)
        changed_branches.append(branches[name])
    Branch.objects.bulk_update(changed_branches, ["head"])

    # First memberships of people who never had one go in bulk; moves keep history
    # through the membership service.
    with_history = set(
        RegionMembership.objects.filter(user__employee_no__in=list(plan.joins)).values_list(
            "user__employee_no", flat=True
        )
    )
    first = []
    for no, key in plan.joins.items():
        # A joiner whose hire date is after the import is a member from that day: no log
        # is due before they start.
        start = plan.join_start.get(no, import_date)
        if no in with_history:
            services.membership_move(user=users[no], region=regions[key], start_date=start)
        else:
            first.append(RegionMembership(user=users[no], region=regions[key], start_date=start))
    RegionMembership.objects.bulk_create(first)
    for no, (key, start) in plan.pending.items():
        RegionMembership.objects.filter(user=users[no], end_date__isnull=True).update(
            region=regions[key], start_date=start
        )
    leaving = [*plan.leaves_region, *plan.deactivate, *(no for no, _n in plan.absentees)]
    # A joiner who never started has no day in their membership to keep: it goes (ending
    # it before it begins is no membership at all).
    RegionMembership.objects.filter(
        user__employee_no__in=leaving, end_date__isnull=True, start_date__gt=import_date
    ).delete()
    for no in plan.leaves_region:
        services.membership_end(user=users[no], end_date=import_date)
    for no in [*plan.deactivate, *(no for no, _n in plan.absentees)]:
        services.membership_end(user=users[no], end_date=import_date)
        services.user_deactivate(user=users[no])
    # Full sync: people deactivated for being absent give up their positions too.
    gone = [users[no].pk for no, _n in plan.absentees]
    if gone:
        Region.objects.filter(manager_id__in=gone).update(manager=None)
        Area.objects.filter(manager_id__in=gone).update(manager=None)
        Branch.objects.filter(head_id__in=gone).update(head=None)
    User.objects.filter(employee_no__in=plan.reactivate).update(is_active=True)
    # A new RM hears of the joint visits her region's waiting logs ask for.
    services.region_managers_changed(region_ids=[region.pk for region in changed_regions])


# --- running an import ----------------------------------------------------------


@dataclass
class Outcome:
    errors: list[dict]
    notices: list[str]
    preview: list[dict]
    counts: dict[str, int]
    failure: str = ""
    org_changes: dict = field(default_factory=dict)


def run_import(
    *,
    name: str,
    data: bytes,
    import_date: datetime.date,
    dry_run: bool,
    password_hash: str = "",
    full_sync: bool = False,
    acting_user_id: int | None = None,
    progress=None,
    resource_class: type[StaffResource] = StaffResource,
) -> Outcome:
    """Check (dry_run) or apply one file; nothing is written unless every row is valid."""
    try:
        parsed = build_dataset(read_sheet(name, data))
    except UploadRefused as exc:
        return Outcome([_file_error(str(exc))], [], [], _zero_counts())
    if parsed.errors:
        return Outcome(parsed.errors, parsed.notices, [], _zero_counts())
    codes = restore_leading_zeros(parsed)
    resource = resource_class(
        numbers=parsed.numbers,
        import_date=import_date,
        password_hash=password_hash,
        full_sync=full_sync,
        acting_user_id=acting_user_id,
        progress=progress,
        codes=codes,
    )
    result = resource.import_data(
        parsed.dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    notices = [*parsed.notices, *_row_warnings(resource.plan, parsed)]
    if result.has_validation_errors():
        errors = _row_errors(result, parsed)
        return Outcome(errors, notices, [], _zero_counts())
    if result.has_errors():
        failures = [err.error for err in result.base_errors] + [
            err.error for _n, errs in result.row_errors() for err in errs
        ]
        for failure in failures:
            logger.error("staff import failed", exc_info=failure)
        return Outcome([], notices, [], _zero_counts(), failure=crash_message())
    preview, counts = _summarise(result, resource, parsed)
    return Outcome([], notices, preview, counts, org_changes=_org_changes(resource.plan))


def _row_warnings(plan: _Plan, parsed: ParsedFile) -> list[dict]:
    """The plan's warnings as notices that name their row and column, as errors do."""
    warnings = []
    for index, key, message in plan.warnings:
        value = dict(zip(parsed.dataset.headers, parsed.dataset[index - 1], strict=True)).get(key)
        warnings.append(
            {
                "level": "row",
                "row": parsed.numbers[index - 1],
                "column": parsed.header_text.get(key, HEADER_OF.get(key, key)),
                "value": _shown(value),
                "text": message,
            }
        )
    return warnings


def _zero_counts() -> dict[str, int]:
    return {"new": 0, "updated": 0, "unchanged": 0, "deactivated": 0}


def _row_errors(result, parsed: ParsedFile) -> list[dict]:
    errors = []
    for invalid in result.invalid_rows:
        index = invalid.number
        values = parsed.dataset[index - 1]
        by_key = dict(zip(parsed.dataset.headers, values, strict=True))
        for key, messages in invalid.error_dict.items():
            for message in messages:
                value = by_key.get(key)
                errors.append(
                    {
                        "row": parsed.numbers[index - 1],
                        "column": parsed.header_text.get(key, HEADER_OF.get(key, key)),
                        "value": _shown(value),
                        "message": str(message),
                    }
                )
    errors.sort(key=lambda e: e["row"] or 0)
    return errors


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    return _text(str(value) if isinstance(value, NumberCell) else value)


def _summarise(result, resource: StaffResource, parsed: ParsedFile):
    plan = resource.plan
    counts = _zero_counts()
    preview = []
    labels = {key: parsed.header_text.get(key, HEADER_OF[key]) for key in HEADER_OF}
    for index, row_result in enumerate(result.rows, 1):
        values = dict(zip(parsed.dataset.headers, parsed.dataset[index - 1], strict=True))
        entry = {
            "row": parsed.numbers[index - 1],
            "employee_no": EmployeeNoWidget().clean(values.get("employee_no")),
            "name": normalise_name(values.get("name")),
        }
        if row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            counts["new"] += 1
            where = " / ".join(
                v for v in (_text(values.get(k)) for k in ("branch", "area", "region")) if v
            )
            role = RoleWidget().render(parse_role(values.get("role")))
            displaced = [str(line) for line in plan.displaced.get(index, [])]
            starts = [str(plan.starts[index])] if index in plan.starts else []
            preview.append(
                {
                    **entry,
                    "kind": "new",
                    "changes": [f"{role} {where}".strip(), *starts, *displaced],
                    "attention": bool(displaced),
                }
            )
            continue
        changes = [
            _("%(column)s: %(old)s → %(new)s")
            % {"column": labels[name], "old": _plain(old) or "—", "new": _plain(new) or "—"}
            for name, old, new in resource.field_changes.get(index, [])
        ]
        changes += [str(c) for c in plan.changes.get(index, [])]
        changes += [str(c) for c in plan.displaced.get(index, [])]
        if changes:
            changes = [*plan.notes.get(index, []), *changes]
        attention = (
            index in plan.attention_rows
            or index in plan.displaced
            or any(name == "role" for name, _o, _n in resource.field_changes.get(index, []))
        )
        if index in plan.deactivating_rows:
            counts["deactivated"] += 1
            preview.append({**entry, "kind": "deactivated", "changes": changes, "attention": True})
        elif changes:
            counts["updated"] += 1
            preview.append({**entry, "kind": "updated", "changes": changes, "attention": attention})
        else:
            counts["unchanged"] += 1
    for no, name in plan.absentees:
        counts["deactivated"] += 1
        preview.append(
            {
                "row": None,
                "employee_no": no,
                "name": name,
                "kind": "deactivated",
                "changes": [str(_("Not in the file: deactivated (full sync)."))],
                "attention": True,
            }
        )
    return preview, counts


PREVIEW_LIMIT = 500


def preview_shown(preview: list[dict]) -> dict:
    """What the page lists of a preview: every deactivation and role or post change, in
    full and first, then the other changes up to PREVIEW_LIMIT (QA D7: a leaver on row
    4,999 of a phone-number update was never shown)."""

    def urgent(entry: dict) -> bool:
        return bool(entry.get("attention")) or entry.get("kind") == "deactivated"

    first = [entry for entry in preview if urgent(entry)]
    rest = [entry for entry in preview if not urgent(entry)]
    return {
        "preview": [*first, *rest[:PREVIEW_LIMIT]],
        "preview_more": max(len(rest) - PREVIEW_LIMIT, 0),
        "preview_urgent": len(first),
    }


def _org_changes(plan: _Plan) -> dict:
    """The units the file creates, and regions it puts into an area, as data: the page
    words them in the reader's language (`describe_org_changes`)."""
    changes = {
        "branches": [
            {"name": name, "head": bool(plan.branch_head.get(name))} for name in plan.new_branches
        ],
        "areas": [{"branch": branch, "name": name} for branch, name in plan.new_areas],
        "regions": [
            {
                "branch": branch,
                "name": name,
                "manager": bool(plan.region_manager.get((branch, name))),
            }
            for branch, name, _area in plan.new_regions
        ],
        "region_areas": [
            {"branch": branch, "region": region, "area": area}
            for (branch, region), area in plan.region_area_updates.items()
        ],
    }
    return changes if any(changes.values()) else {}


def describe_org_changes(changes: dict, *, done: bool) -> list[str]:
    """Sentences for the preview, e.g. "将新建：分公司 上海分公司；区域 钱塘（无区域经理）".

    A misspelt branch, area or region name in the file creates a new one; this is
    where the admin sees that before confirming.
    """
    if not changes:
        return []
    units = [*changes["areas"], *changes["regions"], *changes["region_areas"]]
    several_branches = len({unit["branch"] for unit in units}) > 1

    def named(unit: dict, key: str = "name") -> str:
        return f"{unit['branch']} / {unit[key]}" if several_branches else unit[key]

    branches = [
        b["name"] if b["head"] else _("%(name)s (no head)") % {"name": b["name"]}
        for b in changes["branches"]
    ]
    regions = [
        named(r) if r["manager"] else _("%(name)s (no regional manager)") % {"name": named(r)}
        for r in changes["regions"]
    ]
    kinds = [
        _("branch %(names)s") % {"names": _list(branches)} if branches else "",
        _("area %(names)s") % {"names": _list(named(a) for a in changes["areas"])}
        if changes["areas"]
        else "",
        _("region %(names)s") % {"names": _list(regions)} if regions else "",
    ]
    lines = []
    if any(kinds):
        created = _list((kind for kind in kinds if kind), CLAUSES_PATTERN)
        lines.append(
            (_("Created: %(units)s") if done else _("To be created: %(units)s"))
            % {"units": created}
        )
    lines += [
        _("Region %(region)s: area — → %(area)s")
        % {"region": named(r, "region"), "area": r["area"]}
        for r in changes["region_areas"]
    ]
    return lines


def _plain(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value in ROLE_LABELS:
        return ROLE_LABELS[value]
    return "" if value is None else str(value)


# --- services -------------------------------------------------------------------


# Advisory-lock namespace (the first key; the import's id is the second) held by whoever
# runs an import's step, for as long as it runs.
WORKER_LOCK = 0x5F1A
# An import this young is never declared dead: the lock is the proof, this only keeps a
# just-created row (a test fixture, a row someone is writing by hand) from being released.
RECOVER_GRACE = datetime.timedelta(minutes=1)


class _Progress(WorkerLock):
    """Writes rows-done to the StaffImport row while the import's transaction is open,
    and holds the import's advisory lock while its step runs (`WorkerLock`: how
    `staff_import_recover` tells a dead step from a slow one).

    On PostgreSQL the lock's connection, in autocommit, makes progress visible to the
    progress page at once; SQLite allows one writer, so there the bar moves between
    phases only.
    """

    EVERY = 250

    def __init__(self, staff_import_id: int, total: int = 0):
        super().__init__(WORKER_LOCK, staff_import_id)
        self.id, self.total, self.last = staff_import_id, total, 0

    def __call__(self, done: int) -> None:
        if done - self.last < self.EVERY and done != self.total:
            return
        self.last = done
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {StaffImport._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                    [min(done, self.total), self.id],
                )
        elif not connection.in_atomic_block:
            StaffImport.objects.filter(pk=self.id).update(processed_rows=min(done, self.total))


def staff_import_purge_stale() -> int:
    """Delete uploaded files nobody will confirm any more (older than a day)."""
    stale = (
        StaffImport.objects.exclude(file="")
        .filter(created_at__lt=timezone.now() - STALE_AFTER)
        .exclude(status__in=[StaffImportStatus.QUEUED_IMPORT, StaffImportStatus.IMPORTING])
    )
    count = 0
    for staff_import in stale:
        staff_import.file.delete(save=False)
        StaffImport.objects.filter(pk=staff_import.pk).update(file="")
        count += 1
    return count


def staff_import_create(
    *, user: User, name: str, data: bytes, full_sync: bool = False
) -> StaffImport:
    """Store an upload that passed the safety checks, then check it now or in the worker."""
    sheet = read_sheet(name, data)  # raises UploadRefused with the reason
    staff_import_purge_stale()
    suffix = PurePath(name).suffix.lower()
    staff_import = StaffImport(
        created_by=user,
        file_name=PurePath(name).name[:255],
        full_sync=full_sync,
        import_date=timezone.localdate(),
        total_rows=len(sheet.rows),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    staff_import.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(data), save=False)
    staff_import.save()
    _start(staff_import)
    return staff_import


def staff_import_confirm(
    *, staff_import: StaffImport, user: User, initial_password: str = ""
) -> bool:
    """Queue the real import of a checked file; False when it was not ready (already
    done) or its preview is out of date (then it is marked so and must be uploaded again)."""
    password_hash = make_password(initial_password) if initial_password else ""
    with transaction.atomic():
        # One confirmation at a time: two admins confirming two previews at once would
        # each apply a file that was checked without the other's changes.
        waiting = set(
            StaffImport.objects.select_for_update()
            .filter(status=StaffImportStatus.READY)
            .values_list("pk", flat=True)
        )
        if staff_import.pk not in waiting:
            return False
        if _applied_since(staff_import):
            _mark_stale([staff_import.pk])
            return False
        StaffImport.objects.filter(pk=staff_import.pk).update(
            status=StaffImportStatus.QUEUED_IMPORT,
            confirmed_by=user,
            password_hash=password_hash,
            processed_rows=0,
            import_date=timezone.localdate(),
            queued_at=timezone.now(),
            message="",
        )
        if _changes_something(staff_import):
            # Every other preview was worked out against the staff this import changes.
            _mark_stale(waiting - {staff_import.pk})
    staff_import.refresh_from_db()
    _start(staff_import)
    return True


def _changes_something(staff_import: StaffImport) -> bool:
    return bool(
        staff_import.new_count
        or staff_import.updated_count
        or staff_import.deactivated_count
        or staff_import.org_changes
    )


def _applied_since(staff_import: StaffImport) -> bool:
    """Whether another import changed the staff or the org, or is changing them, since
    this file was uploaded: its check compared the file with what was there before."""
    staff_import_recover()  # a dead import is changing nothing
    changed = (
        Q(new_count__gt=0)
        | Q(updated_count__gt=0)
        | Q(deactivated_count__gt=0)
        | ~Q(org_changes={})
    )
    return (
        StaffImport.objects.exclude(pk=staff_import.pk)
        .filter(
            Q(status__in=[StaffImportStatus.QUEUED_IMPORT, StaffImportStatus.IMPORTING])
            | Q(changed, status=StaffImportStatus.DONE, finished_at__gte=staff_import.created_at)
        )
        .exists()
    )


def _stale_notice(language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "Another import changed the staff after this file was checked, so the changes "
            "shown for it are out of date and it can no longer be confirmed. Upload the "
            "file again to see what it would change now."
        )


def _mark_stale(pks) -> None:
    for job in StaffImport.objects.filter(pk__in=list(pks), status=StaffImportStatus.READY):
        StaffImport.objects.filter(pk=job.pk, status=StaffImportStatus.READY).update(
            status=StaffImportStatus.STALE,
            notices=[*job.notices, _stale_notice(job.language)],
            password_hash="",
        )


def _start(staff_import: StaffImport) -> None:
    if staff_import.total_rows > ASYNC_THRESHOLD_ROWS:
        from .tasks import staff_import_run

        transaction.on_commit(lambda: staff_import_run.delay(staff_import.pk))
    else:
        staff_import_process(staff_import_id=staff_import.pk)
        staff_import.refresh_from_db()


def staff_import_process(*, staff_import_id: int) -> None:
    """Run whatever step the import is waiting for. Idempotent: a conditional status
    update decides which caller does the work; everyone else returns."""
    progress = _Progress(staff_import_id)
    try:
        # The lock is taken before the step is claimed and let go after its result is
        # recorded: a step marked running whose lock nobody holds has died.
        if progress.hold():
            _process(staff_import_id, progress)
    finally:
        progress.close()


def _process(staff_import_id: int, progress: _Progress) -> None:
    step = None
    for waiting, running in (
        (StaffImportStatus.QUEUED_CHECK, StaffImportStatus.CHECKING),
        (StaffImportStatus.QUEUED_IMPORT, StaffImportStatus.IMPORTING),
    ):
        if StaffImport.objects.filter(pk=staff_import_id, status=waiting).update(
            status=running, queued_at=None
        ):
            step = running
            break
    if step is None:
        return
    staff_import = StaffImport.objects.get(pk=staff_import_id)
    dry_run = step == StaffImportStatus.CHECKING
    progress.total = staff_import.total_rows
    try:
        with translation.override(staff_import.language or settings.LANGUAGE_CODE):
            with staff_import.file.open("rb") as handle:
                data = handle.read()
            outcome = run_import(
                name=staff_import.file_name,
                data=data,
                import_date=staff_import.import_date,
                dry_run=dry_run,
                password_hash=staff_import.password_hash,
                full_sync=staff_import.full_sync,
                acting_user_id=staff_import.confirmed_by_id or staff_import.created_by_id,
                progress=progress,
            )
    except Exception:  # recorded on the import, never a half-written org
        logger.exception("staff import %s crashed", staff_import_id)
        with translation.override(staff_import.language or settings.LANGUAGE_CODE):
            outcome = Outcome([], [], [], _zero_counts(), failure=crash_message())
    _record(staff_import, outcome, dry_run=dry_run)


def crash_message() -> str:
    """What the admin reads when our code failed rather than the file: the exception
    means nothing to them and may show data, so it goes to the log with its traceback
    (under the import's id, which is in the page's address)."""
    return _(
        "The import did not complete because of an unexpected error, so nothing was "
        "changed. Upload the file again to retry; if it fails again, tell your IT "
        "support and give them the address of this page."
    )


def staff_import_recover(*, pks=None) -> int:
    """Release imports whose step died with its worker, or never reached one; returns how
    many.

    Celery acknowledges the task late, but a redelivered task finds the step already
    claimed and leaves it, so a killed worker would leave the import "checking" or
    "importing" for good, and `_applied_since` would then turn every later upload stale.
    A step runs in one transaction, so a dead one wrote nothing: a dead check is failed
    (upload again), a dead import goes back to waiting for confirmation (confirm again
    to retry). Only PostgreSQL can tell a dead step (see `_Progress`).

    A step still queued after `unclaimed_after()` never reached a worker: its message
    was lost (the broker restarted, or `delay()` failed after the commit), and a queued
    import blocks every later one just the same. Nothing ran, so nothing changed; it is
    released the same way (an import can then be confirmed again or cancelled). Every
    step is claimed by a conditional update (`_process`), so a message that turns up
    late finds nothing to do: nothing is imported twice.
    """

    now = timezone.now()
    # A confirmed import waits from queued_at; a check from the upload.
    stuck = Q(
        status__in=[StaffImportStatus.QUEUED_CHECK, StaffImportStatus.QUEUED_IMPORT],
        waiting_since__lt=now - unclaimed_after(),
    )
    if connection.vendor == "postgresql":
        stuck |= Q(
            status__in=[StaffImportStatus.CHECKING, StaffImportStatus.IMPORTING],
            created_at__lt=now - RECOVER_GRACE,
        )
    jobs = StaffImport.objects.annotate(waiting_since=Coalesce("queued_at", "created_at")).filter(
        stuck
    )
    if pks is not None:
        jobs = jobs.filter(pk__in=list(pks))
    recovered = 0
    for job in jobs.only("pk", "status", "language"):
        # A running step's worker holds the lock while alive, however slow (Celery's time
        # limit ends a stuck one); a queued one's holds it the instant before claiming.
        if worker_lock_held(WORKER_LOCK, job.pk):
            continue
        with translation.override(job.language or settings.LANGUAGE_CODE):
            update = _release(job.status)
        recovered += StaffImport.objects.filter(pk=job.pk, status=job.status).update(
            processed_rows=0, **update
        )
        logger.warning("staff import %s: no live worker has it (%s); released", job.pk, job.status)
    return recovered


def _release(status: str) -> dict:
    minutes = {"minutes": int(unclaimed_after().total_seconds() // 60)}
    if status == StaffImportStatus.CHECKING:
        return {
            "status": StaffImportStatus.FAILED,
            "finished_at": timezone.now(),
            "message": _(
                "The check stopped before it finished: the process running it ended "
                "(restarted, or out of memory). Nothing was changed. Upload the file "
                "again."
            ),
        }
    if status == StaffImportStatus.IMPORTING:
        return {
            "status": StaffImportStatus.READY,
            "password_hash": "",
            "message": _(
                "The import stopped before it finished: the process running it ended "
                "(restarted, or out of memory). Nothing was changed, as an import is "
                "all or nothing. Confirm it again below to retry, or upload the file "
                "again."
            ),
        }
    if status == StaffImportStatus.QUEUED_CHECK:
        return {
            "status": StaffImportStatus.FAILED,
            "finished_at": timezone.now(),
            "message": _(
                "No worker started checking this file within %(minutes)s minutes: "
                "the message to the background worker was lost (it or its queue "
                "was restarted). Nothing was changed. Upload the file again."
            )
            % minutes,
        }
    return {
        "status": StaffImportStatus.READY,
        "queued_at": None,
        "password_hash": "",
        "message": _(
            "No worker started this import within %(minutes)s minutes of its "
            "confirmation: the message to the background worker was lost (it "
            "or its queue was restarted). Nothing was changed. Confirm it again "
            "below to retry, or cancel it."
        )
        % minutes,
    }


def unclaimed_after() -> datetime.timedelta:
    """How long a queued step may wait for a worker before its message counts as lost.
    Celery's hard time limit is 10 minutes, so a step queued behind one long task waits
    up to that long; 15 leaves a margin."""
    return datetime.timedelta(minutes=getattr(settings, "STAFF_IMPORT_UNCLAIMED_MINUTES", 15))


def staff_import_cancel(*, staff_import: StaffImport, user: User) -> bool:
    """Drop an import waiting for confirmation; False when it is not waiting (it was
    confirmed meanwhile, or is done). A queue message for it that turns up later finds
    nothing to claim."""
    with translation.override(staff_import.language or settings.LANGUAGE_CODE):
        text = _("Cancelled by %(name)s: nothing was imported.") % {"name": user.name}
    cancelled = StaffImport.objects.filter(
        pk=staff_import.pk, status=StaffImportStatus.READY
    ).update(
        status=StaffImportStatus.CANCELLED,
        finished_at=timezone.now(),
        password_hash="",
        message=text,
    )
    if cancelled:
        staff_import.refresh_from_db()
        if staff_import.file:
            staff_import.file.delete(save=True)
    return bool(cancelled)


def _record(staff_import: StaffImport, outcome: Outcome, *, dry_run: bool) -> None:
    staff_import.errors = outcome.errors
    staff_import.notices = outcome.notices
    staff_import.preview = outcome.preview
    staff_import.org_changes = outcome.org_changes
    staff_import.new_count = outcome.counts["new"]
    staff_import.updated_count = outcome.counts["updated"]
    staff_import.unchanged_count = outcome.counts["unchanged"]
    staff_import.deactivated_count = outcome.counts["deactivated"]
    staff_import.message = outcome.failure
    staff_import.processed_rows = staff_import.total_rows
    if outcome.failure:
        staff_import.status = StaffImportStatus.FAILED
    elif outcome.errors:
        staff_import.status = StaffImportStatus.INVALID
    elif dry_run and _applied_since(staff_import):
        # Another import was confirmed while this file was being checked.
        staff_import.status = StaffImportStatus.STALE
        staff_import.notices = [*outcome.notices, _stale_notice(staff_import.language)]
    elif dry_run:
        staff_import.status = StaffImportStatus.READY
    else:
        staff_import.status = StaffImportStatus.DONE
    if staff_import.status != StaffImportStatus.READY:
        staff_import.password_hash = ""
    if staff_import.status in (StaffImportStatus.DONE, StaffImportStatus.FAILED):
        staff_import.finished_at = timezone.now()
        if staff_import.file:
            staff_import.file.delete(save=False)
    staff_import.save()


# --- files for the admin ---------------------------------------------------------


def template_workbook() -> bytes:
    """Headers, one example row, and drop-downs for role and status."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "员工"
    headers = [header for _k, header, _a in COLUMNS]
    sheet.append(headers)
    example = [
        "000123",
        "张三",
        "13800138000",
        "zhangsan@example.com",
        "客户经理",
        "示例分公司",
        "一片区",
        "东区",
        "",
        datetime.date(2024, 3, 1),
        STATUS_ACTIVE,
    ]
    sheet.append(example)
    for letter in ("A", "C", "I"):
        sheet[f"{letter}2"].number_format = "@"
    sheet["J2"].number_format = "yyyy-mm-dd"
    roles = DataValidation(
        type="list", formula1='"' + ",".join(ROLE_LABELS.values()) + '"', allow_blank=False
    )
    statuses = DataValidation(
        type="list", formula1=f'"{STATUS_ACTIVE},{STATUS_LEFT}"', allow_blank=True
    )
    roles.add("E2:E10001")
    statuses.add("K2:K10001")
    sheet.add_data_validation(roles)
    sheet.add_data_validation(statuses)
    for column, width in zip(
        "ABCDEFGHIJK", (12, 10, 14, 24, 12, 14, 10, 10, 12, 12, 8), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def error_report(staff_import: StaffImport) -> tuple[bytes, str]:
    """The uploaded sheet with an added error column; (content, extension)."""
    with staff_import.file.open("rb") as handle:
        data = handle.read()
    by_row: dict[int | None, list[str]] = defaultdict(list)
    for error in staff_import.errors:
        text = error["message"]
        if error.get("column"):
            text = f"{error['column']}: {text}"
        by_row[error.get("row")].append(text)
    heading = _("Errors")
    # The heading goes on the header row the import found, on the sheet it read.
    read = read_sheet(staff_import.file.name, data)
    if PurePath(staff_import.file.name).suffix.lower() == ".csv":
        out = io.StringIO()
        writer = csv.writer(out)
        # Read as the import read it (a GBK file too), numbered as its errors are.
        for number, values in _read_csv(data):
            header = number == read.header_number
            extra = heading if header else "；".join(by_row.get(number, []))
            if header and by_row.get(None):
                extra = f"{heading}: {'；'.join(by_row[None])}"
            writer.writerow([*values, extra])
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "csv"
    from openpyxl import load_workbook
    from openpyxl.styles import Font, PatternFill

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[read.sheet_name] if read.sheet_name else workbook.worksheets[0]
    column = (sheet.max_column or 0) + 1
    top = heading
    if by_row.get(None):
        top = f"{heading}: {'；'.join(by_row[None])}"
    sheet.cell(row=read.header_number, column=column, value=top).font = Font(
        bold=True, color="C00000"
    )
    fill = PatternFill("solid", fgColor="FFE0E0")
    for number, messages in by_row.items():
        if number is None:
            continue
        cell = sheet.cell(row=number, column=column, value="；".join(messages))
        cell.font = Font(color="C00000")
        for other in sheet[number]:
            other.fill = fill
    sheet.column_dimensions[cell_letter(column)].width = 60
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "xlsx"


def cell_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)
