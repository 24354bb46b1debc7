"""Daily logs: own object = a log of org.am in region 东; foreign = a log in another branch."""

from activity.models import LogStatus
from tests import factories as f
from tests.matrix import Row, anyone, everyone


def _log(status):
    def build(org, variant):
        author, region = (
            (org.am, org.region) if variant == "own" else (org.foreign_am, org.foreign_region)
        )
        signer = region.manager if status == LogStatus.SIGNED_OFF else None
        log = f.DailyLogFactory(author=author, region=region, status=status, signed_off_by=signer)
        return {"pk": log.pk}

    return build


def _region(org, variant):
    return {"region_id": (org.region if variant == "own" else org.foreign_region).pk}


def _prospect(org, variant):
    owner = org.am if variant == "own" else org.foreign_am
    return {"pk": f.ProspectFactory(owner=owner).pk}


def _today(org, variant):
    from django.utils import timezone

    return {"day": timezone.localdate()}


# Who sees a log of 东: its author, the RM of 东, the area manager, the branch head, admin.
LOG_READERS = {"am": 200, "rm": 200, "area_manager": 200, "branch_head": 200, "admin": 200}
# The other branch's head manages the foreign (直属) region: it is theirs, not foreign.
FOREIGN_READERS = {"other_branch_head": 200, "admin": 200}
# Acting on a log: the region's own manager only. Visible-but-not-allowed → 403, outside → 404.
ACT_OWN = {"am": 403, "area_manager": 403, "branch_head": 403, "admin": 403, "rm": 302}
ACT_FOREIGN = {"other_branch_head": 302, "admin": 403}

ROWS = [
    Row("activity:today", expect=everyone(302)),
    Row("activity:today", method="post", expect=anyone(405)),
    # Only account managers with a region fill in logs; everyone else 403.
    Row("activity:log_edit", kwargs=_today, has_foreign=False, expect={"am": 200, "peer_am": 200}),
    Row(
        "activity:log_edit",
        method="post",
        kwargs=_today,
        has_foreign=False,
        data=lambda org: {"visits-TOTAL_FORMS": "0", "visits-INITIAL_FORMS": "0", "save": "1"},
        expect={"am": 302, "peer_am": 302},
    ),
    Row("activity:log_edit", method="put", kwargs=_today, has_foreign=False, expect=anyone(405)),
    Row(
        "activity:log_detail",
        kwargs=_log(LogStatus.SUBMITTED),
        expect=LOG_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "activity:log_detail",
        method="post",
        kwargs=_log(LogStatus.SUBMITTED),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "activity:log_sign_off",
        method="post",
        kwargs=_log(LogStatus.SUBMITTED),
        data=lambda org: {"comment": "好"},
        expect=ACT_OWN,
        default=404,
        foreign=ACT_FOREIGN,
    ),
    Row(
        "activity:log_sign_off",
        kwargs=_log(LogStatus.SUBMITTED),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "activity:log_return",
        method="post",
        kwargs=_log(LogStatus.SUBMITTED),
        data=lambda org: {"reason": "请补充"},
        expect=ACT_OWN,
        default=404,
        foreign=ACT_FOREIGN,
    ),
    Row(
        "activity:log_return",
        kwargs=_log(LogStatus.SUBMITTED),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row(
        "activity:log_reopen",
        method="post",
        kwargs=_log(LogStatus.SIGNED_OFF),
        data=lambda org: {"reason": "数字有误"},
        expect=ACT_OWN,
        default=404,
        foreign=ACT_FOREIGN,
    ),
    Row(
        "activity:log_reopen",
        kwargs=_log(LogStatus.SIGNED_OFF),
        expect=anyone(405),
        foreign=anyone(405),
    ),
    Row("activity:my_logs", expect=everyone(200)),
    Row("activity:my_logs", method="post", expect=anyone(405)),
    # The queue is for whoever signs off a region (RMs; the other head manages 直属).
    Row("activity:queue", expect={"rm": 200, "other_rm": 200, "other_branch_head": 200}),
    Row("activity:queue", method="post", expect=anyone(405)),
    Row(
        "activity:bulk_sign_off",
        method="post",
        data=lambda org: {"logs": [], "comment": ""},
        expect={"rm": 302, "other_rm": 302, "other_branch_head": 302},
    ),
    Row("activity:bulk_sign_off", expect=anyone(405)),
    Row(
        "activity:week_grid",
        kwargs=_region,
        expect={"rm": 200, "area_manager": 200, "branch_head": 200, "admin": 200},
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "activity:week_grid",
        method="post",
        kwargs=_region,
        expect=anyone(405),
        foreign=anyone(405),
    ),
    # Prospects are their owner's alone.
    Row("activity:prospect_list", expect=everyone(200)),
    Row("activity:prospect_list", method="post", expect=anyone(405)),
    Row("activity:prospect_create", expect=everyone(200)),
    # A new prospect is the poster's own, whoever they are.
    Row(
        "activity:prospect_create",
        method="post",
        data=lambda org: {"name": "新客户", "stage": "interested"},
        expect=everyone(302),
    ),
    Row(
        "activity:prospect_edit",
        kwargs=_prospect,
        expect={"am": 200},
        default=404,
        foreign={},
    ),
    Row(
        "activity:prospect_edit",
        method="post",
        kwargs=_prospect,
        data=lambda org: {"name": "新名字", "stage": "interested"},
        expect={"am": 302},
        default=404,
        foreign={},
    ),
]


def _notification(org, variant):
    from activity.models import Notification

    recipient = org.am if variant == "own" else org.foreign_am
    return {
        "pk": Notification.objects.create(recipient=recipient, kind="log_returned", title="t").pk
    }


ROWS += [
    # Notifications are their recipient's alone.
    Row("activity:notifications", expect=everyone(200)),
    Row("activity:notifications", method="post", expect=anyone(405)),
    Row(
        "activity:notification_read",
        method="post",
        kwargs=_notification,
        expect={"am": 302},
        default=404,
        foreign={},
    ),
    Row(
        "activity:notification_read", kwargs=_notification, expect=anyone(405), foreign=anyone(405)
    ),
    Row("activity:notifications_read_all", method="post", expect=everyone(302)),
    Row("activity:notifications_read_all", expect=anyone(405)),
]


# Ids of someone else's objects in a POST body: the form refuses them (the queue again, or
# the page with its errors), and the matrix checks that nothing was written.
def _bulk_one_log(org, variant):
    return {"logs": [_log(LogStatus.SUBMITTED)(org, variant)["pk"]], "comment": "好"}


def _visit_of_prospect(org, variant):
    return {
        "visits-TOTAL_FORMS": "1",
        "visits-INITIAL_FORMS": "0",
        "visits-0-prospect": str(_prospect(org, variant)["pk"]),
        "visits-0-customer": "",
        "save": "1",
    }


SIGNERS = {"rm": 302, "other_rm": 302, "other_branch_head": 302}

ROWS += [
    Row(
        "activity:bulk_sign_off",
        method="post",
        data=_bulk_one_log,
        expect=SIGNERS,
        foreign=SIGNERS,
        foreign_default=403,
        writers={"rm"},
        foreign_writers={"other_branch_head"},
    ),
    # A visit names a prospect: the author's own only (peer_am's is not hers).
    Row(
        "activity:log_edit",
        method="post",
        kwargs=_today,
        data=_visit_of_prospect,
        expect={"am": 302, "peer_am": 200},
        foreign={"am": 200, "peer_am": 200},
        foreign_default=403,
    ),
]
