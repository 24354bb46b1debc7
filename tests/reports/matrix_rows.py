"""The weekly summary: managers see their slice; account managers have no summary."""

from tests.matrix import Row, anyone

READERS = {
    "rm": 200,
    "other_rm": 200,
    "area_manager": 200,
    "other_area_manager": 200,
    "branch_head": 200,
    "other_branch_head": 200,
    "admin": 200,
}


def _region(org, variant):
    return {"region_id": (org.region if variant == "own" else org.foreign_region).pk}


def _member(org, variant):
    if variant == "own":
        return {"region_id": org.region.pk, "user_id": org.am.pk}
    return {"region_id": org.foreign_region.pk, "user_id": org.foreign_am.pk}


# Region pages: the region's RM and the managers above it; admin reads everything.
REGION_READERS = {"rm": 200, "area_manager": 200, "branch_head": 200, "admin": 200}
FOREIGN_READERS = {"other_branch_head": 200, "admin": 200}


def _branch(org, variant):
    return f"?branch={(org.branch if variant == 'own' else org.other_branch).pk}"


# ?branch=: a branch's own managers and an admin; another branch is not found. An AM has
# no summary of any branch (403 before the branch is looked at).
BRANCH_READERS = {
    "rm": 200,
    "other_rm": 200,
    "area_manager": 200,
    "other_area_manager": 200,
    "branch_head": 200,
    "admin": 200,
    "other_branch_head": 404,
}
FOREIGN_BRANCH_READERS = {"other_branch_head": 200, "admin": 200, "am": 403, "peer_am": 403}

ROWS = [
    Row("reports:summary", expect=READERS),
    Row("reports:summary", query=_branch, expect=BRANCH_READERS, foreign=FOREIGN_BRANCH_READERS),
    Row(
        "reports:summary_export",
        query=_branch,
        expect=BRANCH_READERS,
        foreign=FOREIGN_BRANCH_READERS,
    ),
    Row("reports:summary", method="post", expect=anyone(405)),
    Row("reports:summary_export", expect=READERS),
    Row("reports:summary_export", method="post", expect=anyone(405)),
    # Recompute: the branch head or an admin; the other branch head recomputes their own.
    Row(
        "reports:recompute",
        method="post",
        data=lambda org: {"start": "2026-11-09"},
        expect={"branch_head": 302, "other_branch_head": 302, "admin": 302},
    ),
    Row("reports:recompute", expect=anyone(405)),
    Row(
        "reports:region",
        kwargs=_region,
        expect=REGION_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "reports:region_export",
        kwargs=_region,
        expect=REGION_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
    Row(
        "reports:member",
        kwargs=_member,
        expect=REGION_READERS,
        default=404,
        foreign=FOREIGN_READERS,
    ),
]
ROWS += [
    Row(name, method="post", kwargs=kwargs, expect=anyone(405), foreign=anyone(405))
    for name, kwargs in (
        ("reports:region", _region),
        ("reports:region_export", _region),
        ("reports:member", _member),
    )
]


def _recompute_branch(org, variant):
    return {
        "start": "2026-11-09",
        "branch": (org.branch if variant == "own" else org.other_branch).pk,
    }


# ?branch= in a recompute's POST: a branch the poster does not see is not found (404)
# before the right to recompute is asked; an account manager sees no branch (403).
ROWS += [
    Row(
        "reports:recompute",
        method="post",
        data=_recompute_branch,
        expect={"branch_head": 302, "admin": 302, "other_branch_head": 404},
        foreign={"other_branch_head": 302, "admin": 302, "am": 403, "peer_am": 403},
    ),
]
