"""Excel files in the paper form's layout (openpyxl).

Every text cell goes through `safe` (the product's one formula escape), so a value typed by a user that starts with
= + - @ (or a tab or carriage return) is stored as text, never run as a formula.
"""

from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from accounts.staff_export import spreadsheet_safe as safe

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BEHIND_FILL = PatternFill("solid", fgColor="FFF3CD")  # the page's table-warning yellow
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# What the page shows where there is no figure (no target, nobody to divide by).
NONE = "—"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _one_decimal(value: Decimal | None) -> Decimal | None:
    """Rounded half up to a tenth, as the page's floatformat rounds: Python's round()
    rounds half to even, and a target of 2.25 read 2.3 on the page, 2.2 in Excel."""
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _or_none(value):
    """A figure, or "—" as on the page: an empty cell reads as 0 to whoever adds up."""
    return NONE if value is None else _number(value)


def summary_workbook(
    *,
    title: str,
    sheet_name: str,
    first_header: str,
    metrics,
    rows,
    total,
    labels,
    region_row=None,
    highlight_below=None,
) -> Workbook:
    """Title row, two merged header rows (each metric over 标准/实际/完成率/人均), rows, total,
    then the task completion and the two on-time rates, as on the page.

    `labels` maps "headcount", "target", "actual", "completion", "per_head", "score",
    "on_time" and "signed_on_time" to the header words in the interface language.
    `sheet_name`: Excel allows 31 characters, so the period rather than the whole title.
    `region_row`: a region's own-target line under the total (`selectors.region_line`).
    `labels["coverage"]`: how a row's label says its target covers only some of its
    people ("%(label)s (%(coverage)s)"), as the page does under the label.
    `highlight_below`: rows whose task completion is under it are filled yellow, as the
    page marks them (None: none, as on the page while the period runs).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31].replace("/", "-").replace(":", "-")
    sub = ["target", "actual", "completion", "per_head"]
    score_col = 2 + len(metrics) * len(sub) + 1
    last_col = score_col + 2
    ws.cell(row=1, column=1, value=safe(title)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.cell(row=1, column=1).alignment = CENTER

    for col, text in (
        (1, first_header),
        (2, labels["headcount"]),
        (score_col, labels["score"]),
        (score_col + 1, labels["on_time"]),
        (score_col + 2, labels["signed_on_time"]),
    ):
        ws.cell(row=2, column=col, value=safe(text))
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for i, metric in enumerate(metrics):
        first = 3 + i * len(sub)
        ws.cell(row=2, column=first, value=safe(metric.label))
        ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + len(sub) - 1)
        for j, key in enumerate(sub):
            ws.cell(row=3, column=first + j, value=labels[key])
    for row in ws.iter_rows(min_row=2, max_row=3, max_col=last_col):
        for cell in row:
            cell.font, cell.fill, cell.alignment, cell.border = (
                Font(bold=True),
                HEADER_FILL,
                CENTER,
                BORDER,
            )

    for r, row in enumerate([*rows, total, *([region_row] if region_row else [])], start=4):
        label = row.label
        if row.coverage:
            label = labels["coverage"] % {"label": row.label, "coverage": row.coverage_text}
        values = [safe(label), _number(row.headcount)]
        for cell in row.cells:
            values += [
                # As the page shows it: 5.6 for part of a period, 6 for a whole one.
                _or_none(_one_decimal(cell.target)),
                cell.actual,
                _or_none(cell.completion / 100 if cell.completion is not None else None),
                _or_none(cell.per_head),
            ]
        for rate in (row.score, row.on_time_rate, row.signed_on_time_rate):
            values.append(_or_none(rate / 100 if rate is not None else None))
        behind = (
            highlight_below is not None and row.score is not None and row.score < highlight_below
        )
        for c, value in enumerate(values, start=1):
            out = ws.cell(row=r, column=c, value=value)
            out.border = BORDER
            if value == NONE:
                out.alignment = Alignment(horizontal="right")
            if row is total or row is region_row:
                out.font, out.fill = Font(bold=True), TOTAL_FILL
            elif behind:
                out.fill = BEHIND_FILL
        ws.cell(row=r, column=2).number_format = "General"  # 9, and 8.6 for a part-timer
        for i, cell in enumerate(row.cells):
            first = 3 + i * len(sub)
            ws.cell(row=r, column=first).number_format = "General"
            ws.cell(row=r, column=first + 2).number_format = "0.0%"
            if cell.covered_part is not None:
                # The page's "on 12" under the rate: a comment keeps the cell a number.
                ws.cell(row=r, column=first + 2).comment = Comment(
                    labels["covered_part"] % {"done": cell.covered_part}, "Footwork"
                )
            ws.cell(row=r, column=first + 3).number_format = "0.0"
        ws.cell(row=r, column=score_col).number_format = "0.0%"
        # The on-time rates read in whole percent, as on the page: 94%, not 94.4%.
        for col in range(score_col + 1, last_col + 1):
            ws.cell(row=r, column=col).number_format = "0%"

    notes = [
        region_row.note if region_row is not None else "",
        total.coverage_note,
        total.covered_part_note,
    ]
    if not rows:
        # A new branch's first download: a lone 合计 of zeros, where the page says why.
        notes.insert(0, labels.get("empty", ""))
    note_row = ws.max_row + 1
    for note in filter(None, notes):
        note_row += 1
        ws.cell(row=note_row, column=1, value=safe(note))
        ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=last_col)
    ws.freeze_panes = "C4"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 8
    for col in range(3, last_col + 1):
        ws.column_dimensions[get_column_letter(col)].width = 9
    for col in range(score_col, last_col + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.row_dimensions[1].height = 24
    _print_like_the_paper_form(ws)
    return wb


def _print_like_the_paper_form(ws) -> None:
    """One landscape A4 page wide, the two header rows on every printed page: printed as
    saved (portrait, 100 %), the 25 columns spread over three pages and only the first one
    said which region a row was."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_title_rows = "2:3"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
