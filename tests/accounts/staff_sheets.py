"""Builders for staff sheets in memory (openpyxl / csv), shared by the import tests; no tests here."""

import csv
import io

from django.utils import timezone
from openpyxl import Workbook

from accounts import staff_import as si

HEADERS = [
    "工号",
    "姓名",
    "手机",
    "邮箱",
    "角色",
    "分公司",
    "片区",
    "区域",
    "上级工号",
    "入职日期",
    "状态",
]


def xlsx(rows, headers=HEADERS, formats=None, titles=(), sheets_before=()) -> bytes:
    """rows: lists of cell values; formats: {(row_index, col_index): number_format} (0-based data rows);
    titles: rows of text above the headers, each merged across the header's width (an HR export's banner);
    sheets_before: (name, rows) of sheets before the staff sheet (an instructions sheet)."""
    workbook = Workbook()
    for name, sheet_rows in sheets_before:
        extra = workbook.create_sheet(name, index=len(workbook.sheetnames) - 1)
        for row in sheet_rows:
            extra.append(row)
    sheet = workbook.worksheets[-1]
    for number, title in enumerate(titles, start=1):
        sheet.append([title])
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for (r, c), fmt in (formats or {}).items():
        sheet.cell(row=r + 2 + len(titles), column=c + 1).number_format = fmt
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS, bom=True, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def person(
    no,
    name,
    role="客户经理",
    branch="新分公司",
    area="",
    region="一区",
    manager="",
    mobile="13800138000",
    email="",
    hire="2024-03-01",
    status="在职",
):
    return [no, name, mobile, email, role, branch, area, region, manager, hire, status]


def new_org_rows():
    """A whole branch from scratch: head, an area manager, two RMs, four AMs, a 直属 AM."""
    return [
        person("H001", "总经理", role="分公司负责人", region="", mobile="13900000001"),
        person(
            "A001",
            "片区甲",
            role="片区经理",
            area="甲片区",
            region="",
            manager="H001",
            mobile="13900000002",
        ),
        person(
            "R001",
            "区经一",
            role="区域经理",
            area="甲片区",
            region="一区",
            manager="A001",
            mobile="13900000003",
            email="r1@example.com",
        ),
        person(
            "R002",
            "区经二",
            role="区域经理",
            area="甲片区",
            region="二区",
            manager="A001",
            mobile="13900000004",
        ),
        person(
            "M001", "客经一", area="甲片区", region="一区", manager="R001", mobile="13900000005"
        ),
        person(
            "M002", "客经二", area="甲片区", region="一区", manager="R001", mobile="13900000006"
        ),
        person(
            "M003", "客经三", area="甲片区", region="二区", manager="R002", mobile="13900000007"
        ),
        person("M004", "客经四", region="直属", manager="H001", mobile="13900000008"),
    ]


def xlsx_shared_strings(rows, headers=HEADERS) -> bytes:
    """Like Excel writes it: text in xl/sharedStrings.xml, not inline (openpyxl writes inline)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx(rows, headers)))
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(2))
        return f'<c r="{match.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>(.*?)</t></is></c>', shared, sheet)
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    shared_xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(name, data)
        target.writestr("xl/sharedStrings.xml", shared_xml)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A valid-looking .xlsx whose sheet unpacks to 20 MB of zeros (1000:1)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("xl/workbook.xml", "<workbook/>")
        target.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    return out.getvalue()


def with_entity_attack() -> bytes:
    """An .xlsx whose sheet declares a billion-laughs style entity."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx([person("X001", "甲")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' + data
                )
            target.writestr(name, data)
    return out.getvalue()


def encrypted_xlsx() -> bytes:
    """What Excel saves for an .xlsx with a password (文件 → 信息 → 用密码进行加密): an
    OLE2 compound file with EncryptionInfo and EncryptedPackage streams, not a zip.
    Only the container's header, FAT and directory are real; the streams are filler."""
    import struct

    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 44, 1, 1, 0)  # one FAT sector; directory at sector 1
    struct.pack_into("<IIIII", header, 56, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # the FAT is sector 0
    header[80:512] = struct.pack("<I", free) * 108
    fat = struct.pack("<III", fat_sector, end, end) + struct.pack("<I", free) * 125

    def entry(name: str, kind: int, child=free, right=free) -> bytes:
        raw = (name + "\x00").encode("utf-16-le")
        data = bytearray(128)
        data[0 : len(raw)] = raw
        struct.pack_into("<HBB", data, 64, len(raw), kind, 1)
        struct.pack_into("<III", data, 68, free, right, child)
        struct.pack_into("<II", data, 116, end, 0)
        return bytes(data)

    directory = (
        entry("Root Entry", 5, child=1)
        + entry("EncryptionInfo", 2, right=2)
        + entry("EncryptedPackage", 2)
        + bytes(128)
    )
    return bytes(header) + fat + directory + b"\x00" * 512


def check(data, name="staff.xlsx", **kwargs):
    """The import's dry run of a file, dated today."""
    return si.run_import(
        name=name, data=data, import_date=timezone.localdate(), dry_run=True, **kwargs
    )


def apply(data, name="staff.xlsx", **kwargs):
    return si.run_import(
        name=name, data=data, import_date=timezone.localdate(), dry_run=False, **kwargs
    )


def errors_at(outcome):
    """The (row, column) of every error."""
    return {(e["row"], e["column"]) for e in outcome.errors}
