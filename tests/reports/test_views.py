import datetime
import io
import re
import zoneinfo
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from activity.models import LogStatus, Metric, MetricValue
from planning.models import Target
from reports.models import RollupRun
from tests import factories as f

MONDAY = datetime.date(2026, 11, 9)
PERIOD = "?start=2026-11-09&end=2026-11-15"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Pinyin on PostgreSQL (lí, lǐ, zhāng); SQLite, the zero-setup default, has code points.
NAMES_IN_ORDER = (
    ["离职者", "李四", "张三"] if connection.vendor == "postgresql" else ["张三", "李四", "离职者"]
)


def signed_log(author, region, day, value):
    entry = f.DailyLogFactory(
        author=author,
        region=region,
        date=day,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=region.manager,
    )
    MetricValue.objects.create(log=entry, metric=Metric.objects.get(code="visits"), value=value)
    return entry


def test_summary_page_shows_regions_and_total(client_for, org):
    signed_log(org.am, org.region, MONDAY, 9)
    response = client_for(org.branch_head).get(reverse("reports:summary") + PERIOD)
    assert response.status_code == 200
    summary = response.context["summary"]
    assert [r.label for r in summary.rows] == ["东", "西"]
    assert summary.total.cell(Metric.objects.get(code="visits").pk).actual == 9
    assert 'data-testid="total-row"' in response.content.decode()


def test_a_reversed_period_is_refused_with_a_message(client_for, org):
    response = client_for(org.branch_head).get(
        reverse("reports:summary") + "?start=2026-11-15&end=2026-11-09"
    )
    assert "结束日期早于开始日期" in response.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-01-01", "2026-11-22", "请选择不超过一年的期间"),
        ("2026-02-30", "2026-03-06", "输入一个有效的日期"),
        ("bad", "2026-11-01", "输入一个有效的日期"),
    ],
)
def test_a_refused_period_keeps_what_was_typed_and_says_what_is_shown(
    client_for, org, start, end, message
):
    html = (
        client_for(org.branch_head)
        .get(reverse("reports:summary") + f"?start={start}&end={end}")
        .content.decode()
    )
    errors = html.split('data-testid="period-errors">')[1].split("</div>")[0]
    assert message in errors and "最近一周" in errors
    # QA: an invalid start also read "the end date is before the start date".
    assert "结束日期早于开始日期" not in errors
    assert f'name="start" id="id_start" value="{start}"' in html
    assert f'name="end" id="id_end" value="{end}"' in html


def _nav_links(html: str) -> dict[str, dict]:
    """The period navigation's links: data-testid suffix → query parameters."""
    links = re.findall(r'<a [^>]*href="([^"]*)" data-testid="period-(\w+)"', html)
    return {name: dict(parse_qsl(unescape(href).lstrip("?"))) for href, name in links}


@time_machine.travel(datetime.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False)
def test_period_links_step_a_week_and_keep_the_other_choices(client_for, org):
    url = reverse("reports:summary") + f"{PERIOD}&branch={org.branch.pk}&sort=name"
    links = _nav_links(client_for(org.branch_head).get(url).content.decode())
    kept = {"branch": str(org.branch.pk), "sort": "name"}
    assert links["previous"] == {**kept, "start": "2026-11-02", "end": "2026-11-08"}
    assert links["next"] == {**kept, "start": "2026-11-16", "end": "2026-11-22"}
    assert links["latest"] == kept

    # The default, this week so far: a week back, no week in the future, no "latest".
    html = client_for(org.branch_head).get(reverse("reports:summary")).content.decode()
    assert set(_nav_links(html)) == {"previous"} and "上一周" in html
    assert _nav_links(html)["previous"] == {"start": "2026-11-16", "end": "2026-11-22"}


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        # Wednesday: Monday and Tuesday (today's logs come tonight).
        (datetime.datetime(2026, 11, 25, 10), "2026-11-23", "2026-11-24"),
        # Monday: last week, whole.
        (datetime.datetime(2026, 11, 30, 10), "2026-11-23", "2026-11-29"),
        # Sunday: Monday to Saturday.
        (datetime.datetime(2026, 11, 29, 10), "2026-11-23", "2026-11-28"),
    ],
)
def test_the_default_period_is_the_latest_days_that_have_ended(client_for, org, now, start, end):
    client = client_for(org.branch_head)
    with time_machine.travel(now.replace(tzinfo=SHANGHAI), tick=False):
        summary = client.get(reverse("reports:summary")).context["summary"]
        region = client.get(reverse("reports:region", kwargs={"region_id": org.region.pk}))
    expected = (datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
    assert (summary.start, summary.end) == expected
    assert (region.context["start"], region.context["end"]) == expected


@time_machine.travel(datetime.datetime(2026, 11, 30, 10, tzinfo=SHANGHAI), tick=False)
def test_a_period_with_days_to_come_is_not_highlighted_and_says_why(client_for, org):
    """ "Next" from last week is this week: on its Monday every region showed 0–10 % of the
    week's target and every row was yellow."""
    for week in (datetime.date(2026, 11, 23), datetime.date(2026, 11, 30)):
        Target.objects.create(
            region=org.region,
            metric=Metric.objects.get(code="visits"),
            period_kind="week",
            period_start=week,
            value=50,
            updated_by=org.rm,
        )
    client = client_for(org.branch_head)
    running = client.get(reverse("reports:summary") + "?start=2026-11-30&end=2026-12-06")
    html = running.content.decode()
    assert 'data-testid="period-running"' in html and "table-warning" not in html
    region = client.get(
        reverse("reports:region", args=[org.region.pk]) + "?start=2026-11-30&end=2026-12-06"
    ).content.decode()
    assert 'data-testid="period-running"' in region
    # Last week, over: no notice, and its rows below target are highlighted.
    html = client.get(reverse("reports:summary")).content.decode()
    assert 'data-testid="period-running"' not in html and "table-warning" in html


@time_machine.travel(datetime.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False)
def test_a_custom_period_steps_by_its_own_length_on_the_region_page(client_for, org):
    url = reverse("reports:region", kwargs={"region_id": org.region.pk})
    html = client_for(org.rm).get(url + "?start=2026-11-04&end=2026-11-06").content.decode()
    links = _nav_links(html)
    assert links["previous"] == {"start": "2026-11-01", "end": "2026-11-03"}
    assert links["next"] == {"start": "2026-11-07", "end": "2026-11-09"}
    assert "上一期间" in html and "下一期间" in html

    # Part of a week steps whole weeks.
    html = client_for(org.rm).get(url + "?start=2026-11-16&end=2026-11-18").content.decode()
    assert _nav_links(html)["previous"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert _nav_links(html)["next"] == {"start": "2026-11-23", "end": "2026-11-29"}


def test_a_foreign_branch_is_not_found(client_for, org):
    response = client_for(org.branch_head).get(
        reverse("reports:summary") + f"?branch={org.other_branch.pk}"
    )
    assert response.status_code == 404


def test_export_has_the_paper_layout(client_for, org):
    signed_log(org.am, org.region, MONDAY, 9)
    f.RegionFactory(branch=org.branch, manager=org.rm, name='=HYPERLINK("x")')
    response = client_for(org.branch_head).get(reverse("reports:summary_export") + PERIOD)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "2026-11-09~2026-11-15" in ws["A1"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:A3", "B2:B3", "C2:F2"} <= merged  # region, headcount, first metric over 4 columns
    assert [ws.cell(row=3, column=c).value for c in range(3, 7)] == [
        "标准",
        "实际",
        "完成率",
        "人均",
    ]
    assert ws["C2"].value == "拜访"
    labels = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert labels[-1] == "合计"
    assert '\'=HYPERLINK("x")' in labels  # a formula-like name is text, not a formula
    total_row = ws.max_row
    assert ws.cell(row=total_row, column=4).value == 9  # total actual visits
    assert ws.cell(row=4, column=5).number_format == "0.0%"
    assert ws.freeze_panes == "C4"
    # The page's last three columns too, and a sheet name Excel does not cut.
    last = ws.max_column
    assert [ws.cell(row=2, column=c).value for c in (last - 2, last - 1, last)] == [
        "任务完成率",
        "日志按时率",
        "签批及时率",
    ]
    assert ws.cell(row=total_row, column=last - 2).number_format == "0.0%"  # task completion
    # The on-time rates in whole percent, as the page shows them (94%, not 94.4%).
    assert ws.cell(row=total_row, column=last - 1).number_format == "0%"
    assert ws.cell(row=total_row, column=last).number_format == "0%"
    assert ws.title == "2026-11-09~2026-11-15"
    assert ws.cell(row=4, column=2).number_format == "General"


def test_region_drill_down_and_member_logs(client_for, org):
    entry = signed_log(org.am, org.region, MONDAY, 9)
    client = client_for(org.area_manager)
    response = client.get(reverse("reports:region", args=[org.region.pk]) + PERIOD)
    assert [r.label for r in response.context["rows"]] == NAMES_IN_ORDER
    response = client.get(reverse("reports:member", args=[org.region.pk, org.am.pk]) + PERIOD)
    assert list(response.context["logs"]) == [entry]
    html = response.content.decode()  # the day unbroken and brief, as in the queue
    assert f'class="text-nowrap" href="{reverse("activity:log_detail", args=[entry.pk])}">' in html
    assert f"{MONDAY:%m-%d} 周一</a>" in html and "星期" not in html
    # Someone who was never in that region is not found there.
    response = client.get(
        reverse("reports:member", args=[org.region.pk, org.outsider_am.pk]) + PERIOD
    )
    assert response.status_code == 404


def test_the_member_page_totals_her_days_as_the_region_page_counts_her(client_for, org):
    """QA: the drill-down from a region to one AM listed her days with no total line, and
    her row on the region page was the only sum. Its total is hers on the region page:
    drafts and returned logs are listed but not counted there, and the page says so."""
    metrics = {m.code: m for m in Metric.objects.all()}
    signed_log(org.am, org.region, MONDAY, 9)
    for offset, status, visits, leaflets in [
        (1, LogStatus.SUBMITTED, 4, 30),
        (2, LogStatus.DRAFT, 5, 100),
        (3, LogStatus.RETURNED, 7, 100),
    ]:
        entry = f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=MONDAY + datetime.timedelta(days=offset),
            status=status,
        )
        MetricValue.objects.create(log=entry, metric=metrics["visits"], value=visits)
        MetricValue.objects.create(log=entry, metric=metrics["leaflets"], value=leaflets)
    client = client_for(org.rm)
    region_page = client.get(reverse("reports:region", args=[org.region.pk]) + PERIOD)
    (hers,) = [row for row in region_page.context["rows"] if row.key == org.am.pk]
    response = client.get(reverse("reports:member", args=[org.region.pk, org.am.pk]) + PERIOD)
    html = response.content.decode()
    total = html.split('data-testid="member-total"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="text-end">(\d*)</td>', total)
    assert cells == [str(cell.actual) for cell in hers.cells]
    assert [cell.actual for cell in hers.cells][:2] == [13, 30]  # 拜访, 折页
    assert "合计" in total
    assert "草稿和退回修改中的日志（2 份）不计入合计，与区域页面一致" in html


def test_region_export_lists_account_managers(client_for, org):
    signed_log(org.am, org.region, MONDAY, 9)
    response = client_for(org.rm).get(
        reverse("reports:region_export", args=[org.region.pk]) + PERIOD
    )
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A2"].value == "客户经理"
    assert [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)] == [
        *NAMES_IN_ORDER,
        "合计",
    ]


def test_branch_head_recomputes_a_closed_week(client_for, org, django_capture_on_commit_callbacks):
    from reports import services

    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(org.branch_head).post(
            reverse("reports:recompute"), {"branch": org.branch.pk, "start": "2026-11-11"}
        )
    assert response.status_code == 302
    run = RollupRun.objects.latest("pk")
    assert (run.trigger, run.requested_by, run.week_start) == ("manual", org.branch_head, MONDAY)


def test_area_manager_may_read_but_not_recompute(client_for, org):
    response = client_for(org.area_manager).post(
        reverse("reports:recompute"), {"branch": org.branch.pk, "start": "2026-11-09"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("size", [1, 6])
def test_summary_queries_do_not_grow_with_regions_people_or_days(
    client_for, org, size, django_assert_max_num_queries
):
    metric = Metric.objects.get(code="visits")
    for _region in range(size):
        region = f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm)
        for _person in range(size):
            person = f.member(region)
            for d in range(size if size < 5 else 5):
                entry = f.DailyLogFactory(
                    author=person, region=region, date=MONDAY + datetime.timedelta(days=d)
                )
                MetricValue.objects.create(log=entry, metric=metric, value=3)
    client = client_for(org.branch_head)
    # session + user; branches; regions; metrics; planning settings; report settings;
    # calendar settings + overrides; memberships; actuals; targets; log facts;
    # trend: regions, metrics, settings, snapshots + their metric rows; the bell.
    with django_assert_max_num_queries(22):
        response = client.get(reverse("reports:summary") + "?start=2026-11-02&end=2026-11-15")
    assert len(response.context["summary"].rows) == 2 + size


def test_drill_down_and_its_export_show_the_regions_own_target_under_the_total(client_for, org):
    visits = Metric.objects.get(code="visits")
    signed_log(org.am, org.region, MONDAY, 9)
    for subject, value in [({"region": org.region}, 100), ({"user": org.am}, 60)]:
        Target.objects.create(
            **subject,
            metric=visits,
            period_kind="week",
            period_start=MONDAY,
            value=value,
            updated_by=org.rm,
        )
    client = client_for(org.branch_head)
    html = client.get(reverse("reports:region", args=[org.region.pk]) + PERIOD).content.decode()
    line = re.search(r'data-testid="region-target-row">(.*?)</tr>', html, re.S).group(1)
    assert "东（区域标准）" in line and "<td>100</td>" in line and "9.0%" in line
    assert 'data-testid="region-target-note"' in html
    export = client.get(reverse("reports:region_export", args=[org.region.pk]) + PERIOD)
    ws = load_workbook(io.BytesIO(export.content)).active
    labels = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    # The AMs' total says its target covers only 张三 (1 of 3), with its own note.
    assert labels[-5].startswith("合计") and "1/3" in labels[-5]
    assert labels[-4:-1] == ["东（区域标准）", None, labels[-2]]
    assert "区域标准" in labels[-2] and "合计行" in labels[-2]  # the note, as on the page
    assert "1/3" in labels[-1]


def test_part_of_a_week_shows_the_figures_it_computes_with(client_for, org):
    """Onboarding QA: 标准 0 · 实际 1 · 250 % (a target of 0.4 shown rounded), 人数 4 /
    4.50 / 13 in one table, and a joiner's 5 visits shown as 人均 10."""
    visits = Metric.objects.get(code="visits")
    wednesday = MONDAY + datetime.timedelta(days=2)
    joiner = f.UserFactory(name="李明")
    f.MembershipFactory(user=joiner, region=org.region, start_date=MONDAY + datetime.timedelta(1))
    Target.objects.create(
        user=joiner,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=7,
        updated_by=org.rm,
    )
    signed_log(joiner, org.region, wednesday, 5)
    query = "?start=2026-11-09&end=2026-11-11"  # Monday to Wednesday
    client = client_for(org.branch_head)
    page = client.get(reverse("reports:region", args=[org.region.pk]) + query)
    joiner_row = next(r for r in page.context["rows"] if r.label == "李明")
    cell = joiner_row.cell(visits.pk)
    # Two of five days (7 × 2/5 = 2.8), two of three days in the region: 0.67 of a head.
    assert (cell.target, joiner_row.headcount, cell.per_head) == (
        Decimal("2.80"),
        Decimal("0.67"),
        Decimal(5),
    )
    html = page.content.decode()
    row_html = html[html.index("李明") : html.index("</tr>", html.index("李明"))]
    assert re.findall(r"<td>([^<]*)</td>", row_html)[:5] == ["0.67", "2.8", "5", "178.6%", "5.0"]
    summary_html = client.get(reverse("reports:summary") + query).content.decode()
    assert re.search(r"<td>\d+\.67</td>", summary_html)  # 东: whole AMs and two thirds
    ws = load_workbook(
        io.BytesIO(
            client.get(reverse("reports:region_export", args=[org.region.pk]) + query).content
        )
    ).active
    excel_row = next(
        r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == "李明"
    )
    assert ws.cell(row=excel_row, column=3).value == 2.8


def test_headcounts_read_as_people_with_a_part_of_a_head():
    from reports.templatetags.reports_tags import headcount

    assert [headcount(Decimal(v)) for v in ("4.50", "13.00", "10", "8.95", "0")] == [
        "4.5",
        "13",
        "10",
        "8.95",
        "0",
    ]


def test_a_branch_on_its_first_day_is_told_why_the_summary_is_empty(client_for, db):
    """Onboarding QA: on day one the default period (up to yesterday) said only 该期间没有
    数据, with nothing on why or where today's logs are."""
    from django.utils.timezone import localdate as timezone_today

    from accounts.models import Role

    head = f.UserFactory(role=Role.BRANCH_HEAD, name="马国华")
    branch = f.BranchFactory(head=head)
    f.RegionFactory(branch=branch, manager=head, name="海曙", created_on=timezone_today())
    html = client_for(head).get(reverse("reports:summary")).content.decode()
    assert 'data-testid="summary-empty"' in html and "明天" in html
    link = re.search(r'href="([^"]+)" data-testid="summary-today"', html).group(1)
    page = client_for(head).get(unescape(link))
    assert [r.label for r in page.context["rows"]] == ["海曙"]


@time_machine.travel(datetime.datetime(2027, 1, 11, 10, tzinfo=SHANGHAI), tick=False)
def test_a_calendar_month_steps_to_the_month_before_and_after(client_for, org):
    """QA M1: December offered 10-31~11-30 as the period before it (31 days back)."""
    url = reverse("reports:summary")
    links = _nav_links(
        client_for(org.branch_head).get(url + "?start=2026-12-01&end=2026-12-31").content.decode()
    )
    assert links["previous"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert links["next"] == {"start": "2027-01-01", "end": "2027-01-31"}
    links = _nav_links(
        client_for(org.rm)
        .get(reverse("reports:region", args=[org.region.pk]) + "?start=2026-10-01&end=2026-11-30")
        .content.decode()
    )
    assert links["previous"] == {"start": "2026-08-01", "end": "2026-09-30"}
    assert links["next"] == {"start": "2026-12-01", "end": "2027-01-31"}


def test_summary_and_its_export_say_when_a_target_covers_only_some_people(client_for, org):
    """QA D1: 379.7 % for a region whose target covered 2 of its 10 AMs, with nothing on
    the page to say so."""
    visits = Metric.objects.get(code="visits")
    signed_log(org.am, org.region, MONDAY, 5)
    signed_log(org.peer_am, org.region, MONDAY, 20)
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=10,
        updated_by=org.rm,
    )
    client = client_for(org.branch_head)
    html = client.get(reverse("reports:summary") + PERIOD).content.decode()
    east = re.search(r'data-testid="row-东">(.*?)</tr>', html, re.S).group(1)
    assert "1/3" in east and "50.0%" in east and "250.0%" not in east
    assert 'data-testid="coverage-note"' in html
    ws = load_workbook(
        io.BytesIO(client.get(reverse("reports:summary_export") + PERIOD).content)
    ).active
    labels = [ws.cell(row=r, column=1).value or "" for r in range(4, ws.max_row + 1)]
    east_row = next(
        r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value.startswith("东")
    )
    assert "1/3" in ws.cell(row=east_row, column=1).value
    assert ws.cell(row=east_row, column=5).value == 0.5  # completion, not 2.5
    assert any("1/4" in label for label in labels)  # the total, and the note under it
    region_html = client.get(
        reverse("reports:region", args=[org.region.pk]) + PERIOD
    ).content.decode()
    total = re.search(r'data-testid="total-row">(.*?)</tr>', region_html, re.S).group(1)
    assert "1/3" in total and "50.0%" in total


@pytest.mark.parametrize(
    ("start", "end", "page", "sheet"),
    [
        (
            "2026-11-09",
            "2026-11-15",
            "各区域工作量周总结",
            "各区域工作量周总结 2026-11-09~2026-11-15",
        ),
        (
            "2026-11-01",
            "2026-11-30",
            "各区域工作量月总结",
            "各区域工作量月总结 2026-11-01~2026-11-30",
        ),
        ("2026-11-03", "2026-11-20", "各区域工作量汇总", "各区域工作量汇总 2026-11-03~2026-11-20"),
    ],
)
def test_the_summary_is_called_what_its_period_is(client_for, org, start, end, page, sheet):
    """QA (a new branch): a month's summary, page and Excel, was titled 周总结."""
    client = client_for(org.branch_head)
    query = f"?start={start}&end={end}"
    html = client.get(reverse("reports:summary") + query).content.decode()
    assert f"{org.branch.name} · {page}</h1>" in html
    response = client.get(reverse("reports:summary_export") + query)
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == (
        f"{org.branch.name} {sheet}"
    )


def _nav_words(html: str) -> dict[str, str]:
    """The period navigation's buttons: data-testid suffix → their words."""
    links = re.findall(r'data-testid="period-(previous|next)">([^<]*)</a>', html)
    return {
        name: " ".join(unescape(words).replace("←", "").replace("→", "").split())
        for name, words in links
    }


@pytest.mark.parametrize(
    ("query", "chinese", "english", "previous"),
    [
        # "Show today" and a day picked by hand; a Monday alone is a day, not its week.
        (
            "?start=2026-11-18&end=2026-11-18",
            ("前一天", "后一天"),
            ("Previous day", "Next day"),
            ("2026-11-17", "2026-11-17"),
        ),
        (
            "?start=2026-11-16&end=2026-11-16",
            ("前一天", "后一天"),
            ("Previous day", "Next day"),
            ("2026-11-15", "2026-11-15"),
        ),
        (
            "?start=2026-10-01&end=2026-10-31",
            ("上个月", "下个月"),
            ("Previous month", "Next month"),
            ("2026-09-01", "2026-09-30"),
        ),
        (
            "?start=2026-11-09&end=2026-11-15",
            ("上一周", "下一周"),
            ("Previous week", "Next week"),
            ("2026-11-02", "2026-11-08"),
        ),
        # A quarter, or any other range: steps its own length, called a period.
        (
            "?start=2026-07-01&end=2026-09-30",
            ("上一期间", "下一期间"),
            ("Previous period", "Next period"),
            ("2026-04-01", "2026-06-30"),
        ),
        (
            "?start=2026-11-04&end=2026-11-06",
            ("上一期间", "下一期间"),
            ("Previous period", "Next period"),
            ("2026-11-01", "2026-11-03"),
        ),
    ],
)
@time_machine.travel(datetime.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False)
def test_the_period_buttons_say_what_they_step_by(
    client_for, org, settings, query, chinese, english, previous
):
    """QA: a one-day period (and a month's) had buttons reading 上一周 / 下一周."""
    client = client_for(org.branch_head)
    url = reverse("reports:summary") + query
    html = client.get(url).content.decode()
    assert _nav_words(html) == dict(zip(("previous", "next"), chinese, strict=True))
    assert tuple(_nav_links(html)["previous"][k] for k in ("start", "end")) == previous
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert _nav_words(html) == dict(zip(("previous", "next"), english, strict=True))


@time_machine.travel(datetime.datetime(2026, 11, 24, 10, tzinfo=SHANGHAI), tick=False)
def test_the_default_week_so_far_of_one_day_still_steps_weeks(client_for, org):
    """On a Tuesday the default period is Monday alone: it is this week so far."""
    html = client_for(org.branch_head).get(reverse("reports:summary")).content.decode()
    assert _nav_words(html) == {"previous": "上一周"}
    assert _nav_links(html)["previous"] == {"start": "2026-11-16", "end": "2026-11-22"}


def _export_title(client, html: str) -> str:
    href = unescape(re.search(r'href="([^"]*)" data-testid="export"', html).group(1))
    return load_workbook(io.BytesIO(client.get(href).content)).active["A1"].value


@time_machine.travel(datetime.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False)
def test_a_head_of_two_branches_exports_the_branch_on_screen(client_for, org):
    """QA: a head of two branches exported the first by name. With a mistyped date the
    branch asked for was dropped with the period (page and file: the first branch); the
    menu's link, and an export without ?branch=, went back to the first branch."""
    second = f.BranchFactory(head=org.branch_head, name="西区分公司")
    f.RegionFactory(branch=second, manager=org.branch_head, name="直属")
    client = client_for(org.branch_head)
    summary = reverse("reports:summary")
    for query in (f"?branch={second.pk}", f"?branch={second.pk}&start=2026-11-20&end=2026-11-02"):
        html = client.get(summary + query).content.decode()
        assert "西区分公司 · " in html
        assert _export_title(client, html).startswith("西区分公司 ")
    # The menu's link (no ?branch=) and a bare export follow the branch last looked at.
    html = client.get(summary).content.decode()
    assert "西区分公司 · " in html and _export_title(client, html).startswith("西区分公司 ")
    bare = client.get(reverse("reports:summary_export"))
    assert load_workbook(io.BytesIO(bare.content)).active["A1"].value.startswith("西区分公司 ")
    # Someone else's branch is not found, and does not become the remembered one.
    for name in ("reports:summary", "reports:summary_export"):
        response = client.get(reverse(name) + f"?branch={org.other_branch.pk}")
        assert response.status_code == 404
    assert "西区分公司 · " in client.get(summary).content.decode()
    # The other branch head's remembered branch is their own: nothing carries over.
    other = client_for(org.other_branch_head)
    assert org.other_branch.name in other.get(summary).content.decode()


def test_the_exports_keep_a_metric_switched_off_after_the_week(client_for, org):
    """Metrics QA: 折页 switched off, last week recomputed (立即重算): the branch's and the
    region's Excel files of that week lost the 折页 columns and their 30 leaflets."""
    from reports import services

    leaflets = Metric.objects.get(code="leaflets")
    entry = signed_log(org.am, org.region, MONDAY, 9)
    MetricValue.objects.create(log=entry, metric=leaflets, value=30)
    Metric.objects.filter(pk=leaflets.pk).update(is_active=False)
    services.rollup_branch_week(branch_id=org.branch.pk, week=MONDAY, trigger="manual")
    client = client_for(org.branch_head)
    for url in (
        reverse("reports:summary_export"),
        reverse("reports:region_export", args=[org.region.pk]),
    ):
        ws = load_workbook(io.BytesIO(client.get(url + PERIOD).content)).active
        headers = [ws.cell(row=2, column=c).value for c in range(1, ws.max_column + 1)]
        assert "折页" in headers
        column = headers.index("折页") + 2  # its 实际, after 标准
        assert ws.cell(row=ws.max_row, column=column).value == 30


def test_both_exports_print_one_landscape_page_wide_with_the_headers_on_every_page(client_for, org):
    """The paper form is one sheet across: printed as saved, the 25 columns ran over three
    portrait pages and only the first said which region a row was."""
    signed_log(org.am, org.region, MONDAY, 9)
    for url in (
        reverse("reports:summary_export") + PERIOD,
        reverse("reports:region_export", args=[org.region.pk]) + PERIOD,
    ):
        ws = load_workbook(io.BytesIO(client_for(org.branch_head).get(url).content)).active
        assert ws.page_setup.orientation == "landscape", url
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == "$2:$3"


def test_the_exports_list_the_rows_in_the_order_sorted_on_the_page(client_for, org):
    """A head who sorts by visits, weakest first, and downloads gets the file in that
    order, not alphabetically."""
    signed_log(org.am, org.region, MONDAY, 9)
    signed_log(org.outsider_am, org.other_region, MONDAY, 3)
    client = client_for(org.branch_head)
    for sort, order in (("visits.actual", ["西", "东"]), ("-visits.actual", ["东", "西"])):
        query = f"{PERIOD}&branch={org.branch.pk}&sort={sort}"
        page = client.get(reverse("reports:summary") + query)
        assert [r.label for r in page.context["rows"]] == order
        export = client.get(reverse("reports:summary_export") + query)
        ws = load_workbook(io.BytesIO(export.content)).active
        assert [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)] == [
            *order,
            "合计",
        ]

    signed_log(org.peer_am, org.region, MONDAY, 5)
    query = f"{PERIOD}&sort=-visits.actual"
    page = client.get(reverse("reports:region", args=[org.region.pk]) + query)
    labels = [r.label for r in page.context["rows"]]
    assert labels[:2] == ["张三", "李四"]
    export = client.get(reverse("reports:region_export", args=[org.region.pk]) + query)
    ws = load_workbook(io.BytesIO(export.content)).active
    assert [ws.cell(row=r, column=1).value for r in range(4, 4 + len(labels))] == labels


def test_the_drill_down_and_both_exports_mark_rows_under_the_branchs_threshold(client_for, org):
    """The branch marks rows under 10 %: the summary did, its drill-down marked every AM
    under 80 % (a fixed number), and neither Excel file marked any row."""
    from reports.excel import BEHIND_FILL
    from reports.models import BranchReportSettings

    BranchReportSettings.objects.create(branch=org.branch, highlight_below=10)
    visits = Metric.objects.get(code="visits")
    for member, value, target in ((org.am, 9, 60), (org.peer_am, 5, 100)):  # 15 %, 5 %
        signed_log(member, org.region, MONDAY, value)
        Target.objects.create(
            user=member,
            metric=visits,
            period_kind="week",
            period_start=MONDAY,
            value=target,
            updated_by=org.rm,
        )
    client = client_for(org.branch_head)
    html = client.get(reverse("reports:region", args=[org.region.pk]) + PERIOD).content.decode()
    assert re.search(r'class="table-warning" data-testid="row-李四"', html)
    assert re.search(r'class="" data-testid="row-张三"', html)
    assert "低于 10.0% 的行" in html or "低于 10% 的行" in html

    def fills(url):
        ws = load_workbook(io.BytesIO(client.get(url).content)).active
        return {
            ws.cell(row=r, column=1).value: ws.cell(row=r, column=3).fill.fgColor.rgb[-6:]
            for r in range(4, ws.max_row + 1)
            if ws.cell(row=r, column=1).value
        }

    yellow = BEHIND_FILL.fgColor.rgb[-6:]
    members = fills(reverse("reports:region_export", args=[org.region.pk]) + PERIOD)
    assert members["李四"] == yellow and members["张三"] != yellow
    assert all(fill != yellow for label, fill in members.items() if label.startswith("合计"))
    regions = fills(reverse("reports:summary_export") + PERIOD)
    # 东 (its label says the targets cover two of its three): 14 of 160, 8.75 %.
    assert [fill for label, fill in regions.items() if label.startswith("东")] == [yellow]
    assert regions["西"] != yellow
    assert all(fill != yellow for label, fill in regions.items() if label.startswith("合计"))


def test_the_completion_chart_figures_are_a_table_a_screen_reader_reads():
    """The chart is one picture (role=img) to a screen reader: a branch head who cannot
    see it heard only its title, none of the twelve weeks' rates."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from reports.selectors import completion_chart

    weeks = [datetime.date(2026, 11, 16), datetime.date(2026, 11, 23)]
    east, west = SimpleNamespace(name="东北"), SimpleNamespace(name="西北")
    chart = completion_chart(
        weeks, [(east, [None, Decimal("84.6")]), (west, [Decimal("101"), Decimal("93.25")])]
    )
    assert chart.rows == [
        (weeks[0], [None, Decimal("101")]),
        (weeks[1], [Decimal("84.6"), Decimal("93.25")]),
    ]
    html = render_to_string("reports/_completion_data.html", {"chart": chart})
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]
    assert cells == [
        ["周起始日", "东北", "西北"],
        ["2026-11-16", "—", "101.0%"],
        ["2026-11-23", "84.6%", "93.3%"],
    ]


def test_a_completion_on_part_of_the_actual_says_so_in_the_row(client_for, org):
    """QA (a new branch): 东's own 折页 target covered everyone, so its row said nothing
    of coverage, while its 拜访 target was one AM's: target 6, actual 28, 200 %, which
    read as 467 % to anyone dividing. The rate now says what it divides: 按 12 计."""
    visits, leaflets = Metric.objects.get(code="visits"), Metric.objects.get(code="leaflets")
    for metric, value, user, region in (
        (visits, 6, org.am, None),
        (leaflets, 50, None, org.region),
    ):
        Target.objects.create(
            user=user,
            region=region,
            metric=metric,
            period_kind="week",
            period_start=MONDAY,
            value=value,
            updated_by=org.rm,
        )
    signed_log(org.am, org.region, MONDAY, 12)
    signed_log(org.peer_am, org.region, MONDAY, 16)
    client = client_for(org.branch_head)
    page = client.get(reverse("reports:summary") + PERIOD)
    east = next(r for r in page.context["summary"].rows if r.label == "东")
    assert east.coverage is None  # the row's own label says nothing
    assert (east.cell(visits.pk).actual, east.cell(visits.pk).covered_part) == (28, 12)
    assert east.cell(leaflets.pk).covered_part is None
    html = page.content.decode()
    row_html = html[html.index('data-testid="row-东"') : html.index("</tr>", html.index("row-东"))]
    assert re.findall(r'data-testid="covered-part">([^<]*)<', row_html) == ["按 12 计"]
    assert 'data-testid="covered-part-note"' in html

    ws = load_workbook(
        io.BytesIO(client.get(reverse("reports:summary_export") + PERIOD).content)
    ).active
    excel_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == "东")
    comments = [
        ws.cell(row=excel_row, column=c).comment.text
        for c in range(1, ws.max_column + 1)
        if ws.cell(row=excel_row, column=c).comment
    ]
    assert comments == ["按 12 计"]
    notes = [ws.cell(row=r, column=1).value or "" for r in range(excel_row, ws.max_row + 1)]
    assert any("按 N 计" in note for note in notes)
