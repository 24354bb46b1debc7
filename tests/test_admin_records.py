"""Records of what people did are read, not written, in the admin; configuration stays
editable. QA deleted a signed-off log (and its audit trail) and marked a weekly review
"reviewed" by an RM with a coaching note he never wrote, all from /admin/."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffImport, StaffImportStatus
from activity.models import DailyLog, LogEvent, LogStatus, Metric
from planning.models import (
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PlannedVisit,
    Target,
    TargetImport,
    TargetImportStatus,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)
from reports.models import RollupRun
from tests import factories as f

MONDAY = datetime.date(2026, 11, 23)


def signed_off_log(org):
    log = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=MONDAY,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    LogEvent.objects.create(
        log=log,
        actor=org.rm,
        action=LogEvent.Action.SIGNED_OFF,
        from_status=LogStatus.SUBMITTED,
        to_status=LogStatus.SIGNED_OFF,
    )
    return log


def agreed_sheet(org):
    sheet = MonthlyGoalSheet.objects.create(
        author=org.am,
        region=org.region,
        month=datetime.date(2026, 11, 1),
        status="agreed",
        agreed_by=org.rm,
    )
    MonthlyGoalLine.objects.create(
        sheet=sheet, metric=Metric.objects.get(code="visits"), proposed=80, agreed=90
    )
    return sheet


def submitted_review(org):
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=MONDAY, status="submitted"
    )
    WeeklyReviewLine.objects.create(
        review=review, metric=Metric.objects.get(code="visits"), cause="rain"
    )
    PlannedVisit.objects.create(review=review, customer="某车行")
    return review


def tracked_item(org):
    item = TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="拜访车行", due_date=MONDAY
    )
    TrackedItemNote.objects.create(item=item, author=org.rm, note="跟进")
    return item


def target(org):
    target = Target.objects.create(
        user=org.am,
        metric=Metric.objects.get(code="visits"),
        period_kind="month",
        period_start=datetime.date(2026, 11, 1),
        value=90,
        updated_by=org.rm,
    )
    TargetRevision.objects.create(target=target, new_value=90, changed_by=org.rm)
    return target


def rollup_run(org):
    return RollupRun.objects.create(branch=org.branch, week_start=MONDAY, trigger="manual")


def staff_import(org):
    return StaffImport.objects.create(
        created_by=org.admin,
        file_name="staff.xlsx",
        import_date=MONDAY,
        status=StaffImportStatus.DONE,
    )


def target_import(org):
    return TargetImport.objects.create(
        created_by=org.admin,
        file_name="targets.xlsx",
        file_path="target-imports/checked.xlsx",
        status=TargetImportStatus.FAILED,
        message="Nothing was saved.",
    )


RECORDS = [
    signed_off_log,
    agreed_sheet,
    submitted_review,
    tracked_item,
    target,
    rollup_run,
    staff_import,
    target_import,
]


def url(obj, page):
    meta = obj._meta
    args = [] if page in ("add", "changelist") else [obj.pk]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=args)


@pytest.fixture
def admin_user_client(client_for, org):
    return client_for(org.admin)


@pytest.mark.parametrize("make", RECORDS, ids=lambda make: make.__name__)
class TestRecordsAreViewOnly:
    def test_it_can_be_read(self, admin_user_client, org, make):
        obj = make(org)
        assert admin_user_client.get(url(obj, "changelist")).status_code == 200
        page = admin_user_client.get(url(obj, "change"))
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
        assert b'class="deletelink"' not in page.content

    def test_it_cannot_be_added(self, admin_user_client, org, make):
        obj = make(org)
        assert admin_user_client.get(url(obj, "add")).status_code == 403
        assert admin_user_client.post(url(obj, "add"), {}).status_code == 403

    def test_it_cannot_be_changed(self, admin_user_client, org, make):
        obj = make(org)
        before = type(obj).objects.filter(pk=obj.pk).values().get()
        assert admin_user_client.post(url(obj, "change"), {"status": "reviewed"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).values().get() == before

    def test_it_cannot_be_deleted(self, admin_user_client, org, make):
        obj = make(org)
        assert admin_user_client.get(url(obj, "delete")).status_code == 403
        assert admin_user_client.post(url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()

    def test_the_list_offers_no_bulk_delete(self, admin_user_client, org, make):
        obj = make(org)
        page = admin_user_client.get(url(obj, "changelist"))
        assert b"delete_selected" not in page.content
        response = admin_user_client.post(
            url(obj, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)
        assert type(obj).objects.filter(pk=obj.pk).exists()

    def test_its_lines_are_read_only_too(self, rf, org, make):
        obj = make(org)
        request = rf.get("/")
        request.user = org.admin
        model_admin = admin.site._registry[type(obj)]
        for inline in model_admin.get_inline_instances(request, obj):
            assert not inline.has_add_permission(request, obj), inline
            assert not inline.has_change_permission(request, obj), inline
            assert not inline.has_delete_permission(request, obj), inline


def test_a_signed_off_log_keeps_its_audit_trail(admin_user_client, org):
    log = signed_off_log(org)
    admin_user_client.post(url(log, "delete"), {"post": "yes"})
    assert DailyLog.objects.filter(pk=log.pk, status=LogStatus.SIGNED_OFF).exists()
    assert LogEvent.objects.filter(log=log).count() == 1


def test_a_review_cannot_be_marked_reviewed_in_the_admin(admin_user_client, org):
    review = submitted_review(org)
    response = admin_user_client.post(
        url(review, "change"),
        {
            "author": org.am.pk,
            "region": org.region.pk,
            "week_start": MONDAY.isoformat(),
            "status": "reviewed",
            "reviewed_by": org.rm.pk,
            "coaching_note": "written by someone else",
            "planned_visit_count": 0,
        },
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "submitted" and review.reviewed_by is None
    assert review.coaching_note == ""


def test_past_target_imports_are_listed_with_what_happened(admin_user_client, org):
    job = target_import(org)
    listed = admin_user_client.get(reverse("admin:planning_targetimport_changelist"))
    assert "targets.xlsx" in listed.content.decode()
    page = admin_user_client.get(url(job, "change")).content.decode()
    assert "Nothing was saved." in page
    # The worker's own fields (where the checked file was kept) are not the reader's.
    assert "target-imports/checked.xlsx" not in page


# Records written by the app itself that have no admin page at all: nobody edits them
# there. A new registration of one of them must be view-only (see RECORDS above).
UNREGISTERED_RECORDS = [
    "activity.LogEvent",
    "activity.MetricValue",
    "activity.VisitRecord",
    "activity.Notification",
    "activity.ReminderSent",
    "activity.ReminderRun",
    "planning.TargetRevision",
    "planning.MonthlyGoalLine",
    "planning.WeeklyReviewLine",
    "planning.PlannedVisit",
    "planning.TrackedItemNote",
    "reports.RegionWeekSnapshot",
    "reports.MetricWeekSnapshot",
]


@pytest.mark.parametrize("label", UNREGISTERED_RECORDS)
def test_app_records_have_no_editable_admin_page(label):
    assert not admin.site.is_registered(apps.get_model(label))


CONFIGURATION = [
    "accounts.User",
    "accounts.Branch",
    "accounts.Area",
    "accounts.Region",
    "activity.Metric",
    "activity.BranchReminderSettings",
    "activity.RegionWebhook",
    "planning.BranchPlanningSettings",
    "planning.CalendarOverride",
    "reports.BranchReportSettings",
]


@pytest.mark.parametrize("label", CONFIGURATION)
def test_configuration_stays_editable(rf, org, label):
    request = rf.get("/")
    request.user = org.admin
    model_admin = admin.site._registry[apps.get_model(label)]
    assert model_admin.has_add_permission(request)
    assert model_admin.has_change_permission(request)
    assert model_admin.has_delete_permission(request)


def test_the_target_list_needs_no_query_per_row(admin_user_client, org, django_assert_num_queries):
    for n in range(5):
        Target.objects.create(
            user=org.am,
            metric=Metric.objects.get(code="visits"),
            period_kind="week",
            period_start=MONDAY - datetime.timedelta(weeks=n),
            value=n,
            updated_by=org.rm,
            updated_at=timezone.now(),
        )
    # 7 whatever the rows: session, user, the metric filter, two counts, the rows with
    # their people, region and metric joined in, and the bell's unread count.
    with django_assert_num_queries(7):
        admin_user_client.get(reverse("admin:planning_target_changelist"))


@pytest.mark.parametrize(
    ("record", "changelist"),
    [
        (signed_off_log, "activity_dailylog"),
        (agreed_sheet, "planning_monthlygoalsheet"),
        (submitted_review, "planning_weeklyreview"),
        (tracked_item, "planning_trackeditem"),
        (target, "planning_target"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_persons_records_are_found_by_their_number_or_chinese_name(
    admin_user_client, org, record, changelist
):
    # A year of a branch's records is thousands of rows a page: QA could not find one
    # AM's goal sheets, reviews, items or targets without paging through them.
    record(org)
    url = reverse(f"admin:{changelist}_changelist")
    for term in (org.am.employee_no, org.am.name):
        found = admin_user_client.get(url, {"q": term}).context["cl"].result_count
        assert found == 1, (changelist, term)
    nobody = admin_user_client.get(url, {"q": org.peer_am.name}).context["cl"].result_count
    assert nobody == 0, changelist
