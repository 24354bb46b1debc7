"""Planning: own object = a sheet/target page of org.am in region 东; foreign = of
foreign_am in another branch (whose head manages that 直属 region)."""

import datetime

from django.utils import timezone

from activity.models import Metric
from planning import periods
from planning.models import (
    MonthlyGoalSheet,
    ReviewStatus,
    SheetStatus,
    TrackedItem,
    WeeklyReview,
)
from tests.matrix import Row, anyone, everyone


def _today():
    return timezone.localdate()


def _person(org, variant):
    return org.am if variant == "own" else org.foreign_am


def _member(org, variant):
    return {"user_id": _person(org, variant).pk}


def _member_month(org, variant):
    return {"user_id": _person(org, variant).pk, "month": _today()}


def _member_year(org, variant):
    return {"user_id": _person(org, variant).pk, "year": _today().year}


def _region(org, variant):
    return {"region_id": (org.region if variant == "own" else org.foreign_region).pk}


def _region_year(org, variant):
    return {**_region(org, variant), "year": _today().year}


def _month(org, variant):
    return {"month": periods.month_start(_today())}


def _week(org, variant):
    return {"week": periods.week_start(_today())}


def _monthly_sheet(org, variant):
    person = _person(org, variant)
    sheet = MonthlyGoalSheet.objects.create(
        author=person,
        region=org.region if variant == "own" else org.foreign_region,
        month=_today().replace(day=1),
        status=SheetStatus.SUBMITTED,
    )
    return {"pk": sheet.pk}


def _agreed_sheet(org, variant):
    kwargs = _monthly_sheet(org, variant)
    MonthlyGoalSheet.objects.filter(pk=kwargs["pk"]).update(status=SheetStatus.AGREED)
    return kwargs


def _weekly_review(org, variant):
    person = _person(org, variant)
    review = WeeklyReview.objects.create(
        author=person,
        region=org.region if variant == "own" else org.foreign_region,
        week_start=_today() - datetime.timedelta(days=_today().weekday()),
        status=ReviewStatus.SUBMITTED,
    )
    return {"pk": review.pk}


def _item(org, variant):
    if variant == "own":
        assignee, assigner = org.am, org.rm
    else:
        assignee, assigner = org.foreign_am, org.other_branch_head
    item = TrackedItem.objects.create(
        assignee=assignee, assigner=assigner, title="交办", due_date=_today()
    )
    return {"pk": item.pk}


def _counts(org):
    return {f"metric_{m.pk}": "5" for m in Metric.objects.all()}


# Who sees an AM's plan and sheets: the AM, the RM of 东, the area manager, the
# branch head, and admin (read only). Everyone else: 404.
READERS = {"am": 200, "rm": 200, "area_manager": 200, "branch_head": 200, "admin": 200}
FOREIGN_READERS = {"other_branch_head": 200, "admin": 200}
# Setting targets: the line managers of the region; the AM and admin read only (403).
SETTERS = {"rm": 302, "area_manager": 302, "branch_head": 302, "am": 403, "admin": 403}
FOREIGN_SETTERS = {"other_branch_head": 302, "admin": 403}
REGION_READERS = {"rm": 200, "area_manager": 200, "branch_head": 200, "admin": 200}
REGION_SETTERS = {"rm": 302, "area_manager": 302, "branch_head": 302, "admin": 403}
# Agreeing / reviewing a sheet: the RM of its region only; other readers get 403.
REVIEWERS = {"rm": 302, "am": 403, "area_manager": 403, "branch_head": 403, "admin": 403}
FOREIGN_REVIEWERS = {"other_branch_head": 302, "admin": 403}
# Tracked items are between assigner and assignee.
ITEM_PEOPLE = {"am": 200, "rm": 200}

ROWS = [
    Row("planning:index", expect=everyone(200, am=302, peer_am=302)),
    Row("planning:index", method="post", expect=anyone(405)),
    Row("planning:member", kwargs=_member, expect=READERS, default=404, foreign=FOREIGN_READERS),
    Row("planning:member", method="post", kwargs=_member, expect=anyone(405), foreign=anyone(405)),
    Row(
        "planning:month_targets",
        kwargs=_member_month,
        expect=READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "planning:month_targets",
        method="post",
        kwargs=_member_month,
        data=_counts,
        expect=SETTERS,
        default=404,
        foreign=FOREIGN_SETTERS,
    ),
    Row(
        "planning:month_targets",
        method="put",
        kwargs=_member_month,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "planning:breakdown_member",
        kwargs=_member_year,
        expect=READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "planning:breakdown_member",
        method="post",
        kwargs=_member_year,
        data=lambda org: {"action": "save"},
        expect=SETTERS,
        default=404,
        foreign=FOREIGN_SETTERS,
    ),
    Row(
        "planning:breakdown_member",
        method="put",
        kwargs=_member_year,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "planning:region",
        kwargs=_region,
        expect=REGION_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row("planning:region", method="post", kwargs=_region, expect=anyone(405), foreign=anyone(405)),
    Row(
        "planning:breakdown_region",
        kwargs=_region_year,
        expect=REGION_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "planning:breakdown_region",
        method="post",
        kwargs=_region_year,
        data=lambda org: {"action": "save"},
        expect=REGION_SETTERS,
        default=404,
        foreign=FOREIGN_SETTERS,
    ),
    Row(
        "planning:breakdown_region",
        method="put",
        kwargs=_region_year,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    # Own sheets: only account managers in a region keep them; everyone else 403.
    Row(
        "planning:monthly_edit",
        kwargs=_month,
        has_foreign=False,
        expect={"am": 200, "peer_am": 200},
    ),
    Row(
        "planning:monthly_edit",
        method="post",
        kwargs=_month,
        has_foreign=False,
        data=lambda org: {**_counts(org), "save": "1"},
        expect={"am": 302, "peer_am": 302},
    ),
    Row(
        "planning:monthly_edit", method="put", kwargs=_month, has_foreign=False, expect=anyone(405)
    ),
    Row(
        "planning:monthly_detail",
        kwargs=_monthly_sheet,
        expect=READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "planning:monthly_detail",
        method="post",
        kwargs=_monthly_sheet,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "planning:monthly_agree",
        method="post",
        kwargs=_monthly_sheet,
        data=_counts,
        expect=REVIEWERS,
        default=404,
        foreign=FOREIGN_REVIEWERS,
    ),
    Row("planning:monthly_agree", kwargs=_monthly_sheet, expect=anyone(405), foreign=anyone(405)),
    # Asking for a change of an agreed sheet: its author only; readers get 403.
    Row(
        "planning:monthly_request_change",
        method="post",
        kwargs=_agreed_sheet,
        data=lambda org: {"reason": "大客户流失"},
        expect={"am": 302, "rm": 403, "area_manager": 403, "branch_head": 403, "admin": 403},
        default=404,
        foreign={"other_branch_head": 403, "admin": 403},
    ),
    Row(
        "planning:monthly_request_change",
        kwargs=_agreed_sheet,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    # Reopening (or keeping) an agreed sheet: the RM of its region, as agreeing it.
    Row(
        "planning:monthly_reopen",
        method="post",
        kwargs=_agreed_sheet,
        data=lambda org: {"reason": "按新情况重新报", "reopen": "1"},
        expect=REVIEWERS,
        default=404,
        foreign=FOREIGN_REVIEWERS,
    ),
    Row("planning:monthly_reopen", kwargs=_agreed_sheet, expect=anyone(405), foreign=anyone(405)),
    Row(
        "planning:weekly_edit", kwargs=_week, has_foreign=False, expect={"am": 200, "peer_am": 200}
    ),
    Row(
        "planning:weekly_edit",
        method="post",
        kwargs=_week,
        has_foreign=False,
        data=lambda org: {"planned_visit_count": "0", "save": "1"},
        expect={"am": 302, "peer_am": 302},
    ),
    Row("planning:weekly_edit", method="put", kwargs=_week, has_foreign=False, expect=anyone(405)),
    Row(
        "planning:weekly_detail",
        kwargs=_weekly_review,
        expect=READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "planning:weekly_detail",
        method="post",
        kwargs=_weekly_review,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "planning:weekly_review",
        method="post",
        kwargs=_weekly_review,
        data=lambda org: {"coaching_note": "多拜访车队客户"},
        expect=REVIEWERS,
        default=404,
        foreign=FOREIGN_REVIEWERS,
    ),
    Row("planning:weekly_review", kwargs=_weekly_review, expect=anyone(405), foreign=anyone(405)),
    Row("planning:items", expect=everyone(200)),
    Row("planning:items", method="post", expect=anyone(405)),
    # An empty form re-renders with errors: everybody may create (at least for themselves).
    # Reminding who has not handed in: whoever reviews a region's sheets (the 直属
    # region's head too); the others have no one to remind.
    Row(
        "planning:remind_not_handed_in",
        method="post",
        expect=everyone(403, rm=302, other_rm=302, other_branch_head=302),
    ),
    Row("planning:remind_not_handed_in", expect=anyone(405)),
    Row("planning:item_create", expect=everyone(200)),
    Row("planning:item_create", method="post", expect=everyone(200)),
    Row("planning:item_create", method="put", expect=anyone(405)),
    Row(
        "planning:item_detail",
        kwargs=_item,
        expect=ITEM_PEOPLE,
        default=404,
        foreign={"other_branch_head": 200},
    ),
    Row(
        "planning:item_detail",
        method="post",
        kwargs=_item,
        data=lambda org: {"status": "in_progress", "note": "在跟进"},
        expect={"am": 302, "rm": 302},
        default=404,
        foreign={"other_branch_head": 302},
    ),
    Row(
        "planning:item_detail", method="put", kwargs=_item, expect=anyone(405), foreign=anyone(405)
    ),
    # Correcting an item: its assigner only; the assignee sees it but may not (403).
    Row(
        "planning:item_edit",
        kwargs=_item,
        expect={"rm": 200, "am": 403},
        default=404,
        foreign={"other_branch_head": 200},
    ),
    Row(
        "planning:item_edit",
        method="post",
        kwargs=_item,
        data=lambda org: {"title": "交办（改）", "due_date": _today().isoformat()},
        expect={"rm": 302, "am": 403},
        default=404,
        foreign={"other_branch_head": 302},
    ),
    Row("planning:item_edit", method="put", kwargs=_item, expect=anyone(405), foreign=anyone(405)),
]


def _item_for(org, variant):
    """An item handed down to org.am (own) or to foreign_am (another branch)."""
    return {
        "title": "交办",
        "assignees": [_person(org, variant).pk],
        "due_date": _today().isoformat(),
    }


# Handing an item down to someone: those who manage them, or they themselves; anyone
# else is shown the form with the person refused (200) and nothing is created.
ROWS += [
    Row(
        "planning:item_create",
        method="post",
        data=_item_for,
        expect=everyone(200, am=302, rm=302, area_manager=302, branch_head=302),
        foreign=everyone(200, other_branch_head=302),
    ),
]
