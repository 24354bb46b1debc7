"""Every admin list and record page makes the same number of queries with a few rows as
with many: at the size of a real branch (2,000 people, a year of logs) a query per row
or per line adds up. More data means more branches, areas, imports and roll-up runs on
the lists, and more events, revisions, goal lines, review lines, planned visits and
follow-up notes on one record's page. The people, region, holiday, target and item
lists were constant already: they are here as guards."""

import datetime
import itertools

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import StaffImport
from activity.models import LogEvent, LogStatus, Metric
from planning.models import (
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PlannedVisit,
    Target,
    TargetImport,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)
from reports.models import RollupRun
from tests import factories as f

MONDAY = datetime.date(2026, 11, 23)
_serial = itertools.count(1)


class Records:
    def __init__(self, org):
        self.log = f.DailyLogFactory(
            author=org.am, region=org.region, date=MONDAY, status=LogStatus.SUBMITTED
        )
        self.target = Target.objects.create(
            user=org.am,
            metric=Metric.objects.get(code="visits"),
            period_kind="week",
            period_start=MONDAY,
            value=1,
            updated_by=org.rm,
            updated_at=timezone.now(),
        )
        self.sheet = MonthlyGoalSheet.objects.create(
            author=org.am, region=org.region, month=MONDAY.replace(day=1), status="submitted"
        )
        self.review = WeeklyReview.objects.create(
            author=org.am, region=org.region, week_start=MONDAY, status="submitted"
        )
        self.item = TrackedItem.objects.create(
            assignee=org.am, assigner=org.rm, title="拜访车行", due_date=MONDAY
        )

    def grow(self, org, count: int) -> None:
        """`count` more rows on every list and every record's lines, each naming a
        different person (or metric, or prospect) where it names one."""
        for _ in range(count):
            n = next(_serial)
            person = f.UserFactory(name=f"人{n}")
            f.AreaFactory(branch=f.BranchFactory(head=person), manager=person)
            StaffImport.objects.create(created_by=person, file_name=f"{n}.xlsx", import_date=MONDAY)
            TargetImport.objects.create(
                created_by=person, file_name=f"{n}.xlsx", file_path=f"target-imports/{n}.xlsx"
            )
            RollupRun.objects.create(
                branch=org.branch, week_start=MONDAY, trigger="manual", requested_by=person
            )
            LogEvent.objects.create(
                log=self.log,
                actor=person,
                action=LogEvent.Action.SUBMITTED,
                from_status=LogStatus.DRAFT,
                to_status=LogStatus.SUBMITTED,
            )
            TargetRevision.objects.create(target=self.target, new_value=n, changed_by=person)
            metric = Metric.objects.create(code=f"m{n}", name=f"指标{n}", name_en=f"M{n}")
            MonthlyGoalLine.objects.create(sheet=self.sheet, metric=metric, proposed=n)
            WeeklyReviewLine.objects.create(review=self.review, metric=metric)
            PlannedVisit.objects.create(
                review=self.review,
                prospect=f.ProspectFactory(owner=org.am),
                customer=f"车行{n}",
            )
            TrackedItemNote.objects.create(item=self.item, author=person, note=f"跟进{n}")
            f.RegionFactory(branch=org.branch, manager=person, name=f"区域{n}")
            TrackedItem.objects.create(
                assignee=person, assigner=org.rm, title=f"事项{n}", due_date=MONDAY
            )
            Target.objects.create(
                user=person,
                metric=metric,
                period_kind="week",
                period_start=MONDAY,
                value=n,
                updated_by=org.rm,
                updated_at=timezone.now(),
            )

    def pages(self):
        return [
            "/admin/accounts/branch/",
            "/admin/accounts/area/",
            "/admin/accounts/staffimport/",
            "/admin/planning/targetimport/",
            "/admin/reports/rolluprun/",
            "/admin/accounts/user/",
            "/admin/accounts/region/",
            "/admin/planning/calendaroverride/",
            "/admin/planning/target/",
            "/admin/planning/trackeditem/",
            f"/admin/activity/dailylog/{self.log.pk}/change/",
            f"/admin/planning/target/{self.target.pk}/change/",
            f"/admin/planning/monthlygoalsheet/{self.sheet.pk}/change/",
            f"/admin/planning/weeklyreview/{self.review.pk}/change/",
            f"/admin/planning/trackeditem/{self.item.pk}/change/",
        ]


def _query_counts(client, pages) -> dict:
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(queries.captured_queries)
    return counts


@pytest.mark.django_db
def test_a_persons_page_makes_one_query_per_earlier_region(client_for, org):
    """The region picker on each membership row looks up its own region (Django's
    autocomplete widget does, one query per picker); the row's title joins it in."""
    client = client_for(org.admin)
    url = f"/admin/accounts/user/{org.am.pk}/change/"
    _query_counts(client, [url])

    def moved(count):
        for _ in range(count):
            n = next(_serial)
            f.MembershipFactory(
                user=org.am,
                region=f.RegionFactory(branch=org.branch, name=f"旧区域{n}"),
                start_date=datetime.date(2019, 1, 1) + datetime.timedelta(days=n),
                end_date=datetime.date(2019, 1, 1) + datetime.timedelta(days=n),
            )
        return _query_counts(client, [url])[url]

    few = moved(2)
    assert moved(8) - few == 8


@pytest.mark.django_db
def test_admin_pages_make_as_many_queries_with_more_rows(client_for, org):
    records = Records(org)
    client = client_for(org.admin)
    records.grow(org, 2)
    _query_counts(client, records.pages())  # the first visit fills caches (content types)
    few = _query_counts(client, records.pages())
    records.grow(org, 8)
    many = _query_counts(client, records.pages())
    grew = {url: (few[url], many[url]) for url in records.pages() if many[url] != few[url]}
    assert not grew, sorted(grew.items())


@pytest.mark.django_db
def test_the_log_list_counts_the_logs_once(client_for, org):
    """A year of a branch's logs is hundreds of thousands of rows and each count reads
    them all: the pages need one count, "of N in all" was a second."""
    for days_ago in range(3):
        f.DailyLogFactory(
            author=org.am, region=org.region, date=MONDAY - datetime.timedelta(days=days_ago)
        )
    client = client_for(org.admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/activity/dailylog/")
    assert response.status_code == 200
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and '"activity_dailylog"' in q["sql"]
    ]
    assert len(counts) == 1, counts


@pytest.mark.parametrize("label", ["activity.DailyLog", "planning.WeeklyReview"])
def test_the_busiest_records_list_newest_first_from_an_index(label):
    """2,000 people file 500,000 logs and 100,000 weekly reviews a year: the admin's
    list of them, newest first, reads an index on that date rather than sorting the
    table for each page (0.7 s for the logs at a year's worth)."""
    model = apps.get_model(label)
    ordering = admin.site._registry[model].ordering or model._meta.ordering
    first_ordering = ordering[0].lstrip("-")
    leading = {index.fields[0].lstrip("-") for index in model._meta.indexes}
    assert first_ordering in leading


@pytest.mark.django_db
def test_the_log_list_reads_its_years_from_the_first_and_last_log(client_for, org):
    """The date drill-down listed the years of logs by DISTINCT over every log's year: a
    read of the whole table on each opening of the list (175 ms at 230,000 logs). The
    years come from the first and the last log now; a year picked still lists months."""
    for day in (datetime.date(2024, 12, 31), datetime.date(2025, 6, 1), MONDAY):
        f.DailyLogFactory(author=org.am, region=org.region, date=day)
    client = client_for(org.admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/activity/dailylog/")
    assert response.status_code == 200
    html = response.content.decode()
    for year in ("2024", "2025", "2026"):
        assert f'href="?date__year={year}"' in html
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]

    html = client.get("/admin/activity/dailylog/", {"date__year": "2025"}).content.decode()
    assert 'href="?date__month=6&amp;date__year=2025"' in html
    # Filtered to a region, the years are that region's.
    html = client.get(
        "/admin/activity/dailylog/", {"region__id__exact": str(org.other_region.pk)}
    ).content.decode()
    assert "date__year=" not in html
