"""Benchmark: rebuild a 10,000-person branch from one spreadsheet.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/footwork_import \\
        .venv/bin/python bench/import_staff.py [--rows 10000] [--repeat 2]

Generates the .xlsx (1 branch head, 10 area managers, 400 regional managers, the
rest account managers), then, each in a fresh child process on an emptied staff
table so peak memory is per mode:

- fast:       `StaffResource` (cached instance loader, bulk writes, own change list),
              dry run, then the real import, then a re-import of the same file (no-op);
- row-by-row: `RowByRowStaffResource`, the same import with django-import-export's
              defaults (one SELECT and one INSERT per row, a savepoint per row, HTML diff).

Prints seconds, peak RSS (MB) and the speed-up. The DATABASE the URL names is
wiped of staff; never point it at real data.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

FILE = ROOT / "var" / "bench" / "staff_10000.xlsx"
IMPORT_DATE = datetime.date(2026, 11, 23)


def generate(rows: int, path: Path) -> None:
    from openpyxl import Workbook

    from accounts.staff_import import COLUMNS

    # A normal workbook (shared strings, dimensions), as Excel itself writes.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "员工"
    sheet.append([header for _k, header, _a in COLUMNS])
    branch = "基准分公司"
    sheet.append(
        [
            "B00001",
            "负责人",
            "13900000000",
            "",
            "分公司负责人",
            branch,
            "",
            "",
            "",
            "2020-01-01",
            "在职",
        ]
    )
    areas = [f"片区{a:02d}" for a in range(10)]
    for a, area in enumerate(areas):
        sheet.append(
            [
                f"B1{a:04d}",
                f"片区经理{a}",
                f"139{a:08d}",
                "",
                "片区经理",
                branch,
                area,
                "",
                "B00001",
                "2020-01-01",
                "在职",
            ]
        )
    regions = 400
    for r in range(regions):
        area = areas[r % 10]
        sheet.append(
            [
                f"B2{r:04d}",
                f"区域经理{r}",
                f"137{r:08d}",
                f"rm{r}@example.com",
                "区域经理",
                branch,
                area,
                f"区域{r:03d}",
                f"B1{r % 10:04d}",
                "2021-06-01",
                "在职",
            ]
        )
    for m in range(rows - 1 - len(areas) - regions):
        r = m % regions
        sheet.append(
            [
                f"{m:06d}",
                f"客户经理{m}",
                13600000000 + m,
                f"am{m}@example.com",
                "客户经理",
                branch,
                areas[r % 10],
                f"区域{r:03d}",
                f"B2{r:04d}",
                datetime.date(2022, 1, 1) + datetime.timedelta(days=m % 1000),
                "在职",
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def wipe() -> None:
    from accounts.models import Area, Branch, Region, RegionMembership, StaffImport, User

    RegionMembership.objects.all().delete()
    Region.objects.all().delete()
    Area.objects.all().delete()
    Branch.objects.all().delete()
    StaffImport.objects.all().delete()
    User.objects.exclude(role="admin").delete()


def child(mode: str) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.staff_import import RowByRowStaffResource, StaffResource, run_import

    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    wipe()
    data = FILE.read_bytes()
    resource_class = StaffResource if mode == "fast" else RowByRowStaffResource
    figures = {"mode": mode}
    unusable = make_password(None)  # hashing is per import, not per row: leave it out

    def timed(label, **kwargs):
        start = time.perf_counter()
        outcome = run_import(
            name=FILE.name,
            data=data,
            import_date=IMPORT_DATE,
            resource_class=resource_class,
            **kwargs,
        )
        figures[label] = round(time.perf_counter() - start, 2)
        assert not outcome.errors and not outcome.failure, (outcome.errors[:3], outcome.failure)
        figures[f"{label}_counts"] = outcome.counts

    if mode == "fast":
        timed("dry_run_s", dry_run=True)
    timed("import_s", dry_run=False, password_hash=unusable)
    if mode == "fast":
        timed("reimport_s", dry_run=False, password_hash=unusable)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=["fast", "rowbyrow"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child), ensure_ascii=False))
        return
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the wipe cascades through every app's tables
    start = time.perf_counter()
    generate(args.rows, FILE)
    print(
        f"generated {FILE} ({FILE.stat().st_size / 1024:.0f} KB, {args.rows} rows) "
        f"in {time.perf_counter() - start:.1f} s"
    )
    # Alternate the modes and keep each one's best run: the machine is shared, and a
    # burst of someone else's load should not decide the ratio.
    runs: dict[str, list[dict]] = {"rowbyrow": [], "fast": []}
    for _round in range(args.repeat):
        for mode in ("rowbyrow", "fast"):
            out = subprocess.run(  # noqa: S603 - our own script
                [sys.executable, __file__, "--child", mode, "--rows", str(args.rows)],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            )
            runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[mode][-1], ensure_ascii=False))
    fast = min(runs["fast"], key=lambda r: r["import_s"])
    slow = min(runs["rowbyrow"], key=lambda r: r["import_s"])
    print(
        f"\n{args.rows} rows, best of {args.repeat}: fast import {fast['import_s']} s "
        f"(dry run {fast['dry_run_s']} s, re-import {fast['reimport_s']} s), peak RSS "
        f"{fast['peak_rss_mb']} MB; row-by-row {slow['import_s']} s, peak RSS "
        f"{slow['peak_rss_mb']} MB; speed-up {slow['import_s'] / fast['import_s']:.1f}x "
        f"(all runs: fast {[r['import_s'] for r in runs['fast']]}, "
        f"row-by-row {[r['import_s'] for r in runs['rowbyrow']]})"
    )


if __name__ == "__main__":
    main()
