"""Who may see and do what in the org tree. Every view asks here.

Line management is positional: a person manages the regions they are the regional
manager of, the regions of the areas they manage, and every region of the branches
they head. Admins see every region read-only (they run the system and answer
support questions) but act on nobody's logs and see no customer phone numbers.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.collation import by_name_pinyin, by_pinyin

from .models import Branch, Region, RegionMembership, Role, User


def _line_managed_q(user: User) -> Q:
    return Q(manager=user) | Q(area__manager=user) | Q(branch__head=user)


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def regions_line_managed_by(user: User) -> QuerySet[Region]:
    """Regions this person manages directly or from above (area manager, branch head)."""
    if not (user.is_authenticated and user.is_active):
        return Region.objects.none()
    return Region.objects.filter(_line_managed_q(user))


def regions_visible_to(user: User) -> QuerySet[Region]:
    if is_admin(user):
        return Region.objects.all()
    return regions_line_managed_by(user)


# Someone who left (inactive) holds no position: a region whose manager left has none.
_NO_REGIONAL_MANAGER = Q(manager__isnull=True) | Q(manager__is_active=False)
_NO_AREA_MANAGER = Q(area__manager__isnull=True) | Q(area__manager__is_active=False)


def _only_regional_manager(user: User) -> bool:
    """A regional manager who holds no post above a region (one small query): an RM
    also made an area's manager or a branch's head signs for it as one (QA: the region
    of her area without an RM, and its RMs' own logs, reached her reminder, not her
    queue)."""
    if user.role != Role.REGIONAL_MANAGER:
        return False
    # Asked several times a page (queue, nav link, sheets): once per user instance, so
    # once per request.
    if "_only_regional_manager" not in user.__dict__:
        user.__dict__["_only_regional_manager"] = (
            not User.objects.filter(pk=user.pk)
            .filter(Q(managed_areas__isnull=False) | Q(headed_branches__isnull=False))
            .exists()
        )
    return user.__dict__["_only_regional_manager"]


def regions_signed_off_by(user: User) -> QuerySet[Region]:
    """Regions whose logs this person signs off, and whose sheets and reviews they agree.

    The region's own manager does. A region without an active one (its RM left, or the
    region was closed) falls to the next manager up, as 直属 falls to the branch head:
    its area's manager, or the branch head when the area has none or the region no area.
    Otherwise its pending logs would wait for good (QA: 西南 closed with 8 logs submitted).
    `region_signer` says the same for one region.
    """
    if not (user.is_authenticated and user.is_active):
        return Region.objects.none()
    if _only_regional_manager(user):
        # Their own regions: the whole chain's joins made every RM page's check 4 times
        # slower (3.5 ms against 0.8 on the bench org), for posts an RM does not hold.
        return Region.objects.filter(manager=user)
    return Region.objects.filter(
        Q(manager=user)
        | (_NO_REGIONAL_MANAGER & Q(area__manager=user))
        | (_NO_REGIONAL_MANAGER & _NO_AREA_MANAGER & Q(branch__head=user))
    )


def regions_signed_for_their_manager_by(user: User) -> QuerySet[Region]:
    """Regions whose own manager's logs, sheets and reviews this person signs off: the
    next manager up (its area's manager, else the branch head). Someone promoted from
    account manager to the RM of her own region still has her AM days' logs and sheets
    in it, and nobody signs their own (QA: a log returned to her before the promotion
    could then be signed by nobody).

    An area manager who is also the RM of one of her regions is both its manager and the
    next one up: her own logs there go past her to the branch head, as `region_signer`
    says (QA: the reminder told him of them, his queue did not list them)."""
    if not (user.is_authenticated and user.is_active) or _only_regional_manager(user):
        return Region.objects.none()
    return Region.objects.filter(
        Q(manager__isnull=False, manager__is_active=True)
        & ~Q(manager=user)
        & (
            Q(area__manager=user)
            | ((_NO_AREA_MANAGER | Q(area__manager=F("manager"))) & Q(branch__head=user))
        )
    )


def signed_off_by_q(user: User) -> Q:
    """Records (logs, goal sheets, weekly reviews: a `region` and an `author`) that `user`
    signs off, whatever their status: their regions' records but their own, and the
    records their regions' managers filed there themselves, as `signer_id_for` decides.

    For an area manager or branch head, the regions are read first (one query) and the
    condition names them: written as subqueries joined by OR, it made PostgreSQL read
    every waiting log of the company (85 ms with 72,000 waiting, on every page of theirs).
    A regional manager's (the usual case) stays one subquery, as before."""
    theirs = Q(region__in=regions_signed_off_by(user)) & ~Q(author=user)
    managers_own = list(regions_signed_for_their_manager_by(user).values_list("pk", "manager_id"))
    if not managers_own:  # a regional manager's is none(): no query
        return theirs
    region_ids = list(regions_signed_off_by(user).values_list("pk", flat=True))
    q = Q(region_id__in=region_ids) & ~Q(author=user) if region_ids else Q(pk__in=[])
    for region_id, manager_id in managers_own:
        q |= Q(author_id=manager_id, region_id=region_id)
    return q


# Who signs a region's logs, first active one wins (`regions_signed_off_by`).
SIGNER_CHAIN = ("manager", "area__manager", "branch__head")


def region_signer(region: Region, *, author_id: int | None = None) -> User | None:
    """Who signs off `region`'s logs (as `regions_signed_off_by` decides), or None when
    nobody can: no active regional manager, area manager or branch head. With
    `author_id`, who signs that person's: never themselves, the next one up instead."""
    for path in SIGNER_CHAIN:
        candidate = region
        for name in path.split("__"):
            candidate = getattr(candidate, name) if candidate is not None else None
        if candidate is not None and candidate.is_active and candidate.pk != author_id:
            return candidate
    return None


def region_signer_chains(region_ids) -> dict[int, list[int]]:
    """{region id: ids of its active managers up the chain, nearest first} for these
    regions, in one query: the first signs off the region's logs, and the next one up
    those its own manager filed there (`signer_id_for`)."""
    columns = [column for path in SIGNER_CHAIN for column in (f"{path}__id", f"{path}__is_active")]
    rows = Region.objects.filter(pk__in=list(region_ids)).values_list("pk", *columns)
    chains = {}
    for region_id, *candidates in rows:
        chain = []
        for user_id, active in zip(candidates[::2], candidates[1::2], strict=True):
            if user_id is not None and active and user_id not in chain:
                chain.append(user_id)
        chains[region_id] = chain
    return chains


def signer_id_for(chain: list[int], author_id: int | None) -> int | None:
    """Who in a region's chain (`region_signer_chains`) signs what `author_id` filed."""
    return next((user_id for user_id in chain if user_id != author_id), None)


def region_signer_ids(region_ids) -> dict[int, int]:
    """{region id: id of who signs off its logs} for these regions, in one query; regions
    nobody can sign for are left out (for reminders counting logs per signer)."""
    return {
        region_id: chain[0]
        for region_id, chain in region_signer_chains(region_ids).items()
        if chain
    }


def branches_visible_to(user: User) -> QuerySet[Branch]:
    return Branch.objects.filter(regions__in=regions_visible_to(user)).distinct()


def get_region_for_user(user: User, region_id: int) -> Region:
    """The region, or 404 when it lies outside the user's slice of the org."""
    return get_object_or_404(
        regions_visible_to(user).select_related("branch", "area", "manager"), pk=region_id
    )


def can_sign_off_region(user: User, region_id: int, *, author_id: int | None = None) -> bool:
    """As `signed_off_by_q`, for one region (and what `author_id` filed there)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return _signs(user, region_signer_chains([region_id]).get(region_id, []), author_id)


def _signs(user: User, chain: list[int], author_id: int | None) -> bool:
    return user.pk != author_id and signer_id_for(chain, author_id) == user.pk


def can_sign_off(user: User, log) -> bool:
    """May `user` sign off, return or reopen `log` (an activity.DailyLog)?"""
    return can_sign_off_region(user, log.region_id, author_id=log.author_id)


def can_sign_off_all(user: User, logs) -> bool:
    """`can_sign_off` for every one of these logs, in one query however many."""
    if not (user.is_authenticated and user.is_active):
        return False
    logs = list(logs)
    chains = region_signer_chains({log.region_id for log in logs})
    return all(_signs(user, chains.get(log.region_id, []), log.author_id) for log in logs)


def can_see_contact_details(user: User, *, owner_id: int, region_id: int | None) -> bool:
    """Customer phone numbers are personal data: the owner and the line managers of the
    region she works in today. `region_id` (the log's) counts only while she works in
    none: someone must follow up a leaver's customers, but an AM who moved took hers
    along, and the RM she left reads her old logs without them."""
    if user.pk == owner_id:
        return True
    works_in = RegionMembership.objects.on(timezone.localdate()).filter(user_id=owner_id)
    left = Q(pk=region_id) & ~Exists(works_in) if region_id is not None else Q(pk__in=[])
    return (
        regions_line_managed_by(user).filter(Q(pk__in=works_in.values("region_id")) | left).exists()
    )


def membership_on(user: User, day: datetime.date) -> RegionMembership | None:
    return (
        RegionMembership.objects.on(day).filter(user=user).select_related("region__branch").first()
    )


def first_day_of(regions: QuerySet[Region]) -> datetime.date | None:
    """The day the first of these regions was set up; None when one has always been
    there (no creation date) or there are none."""
    found = regions.aggregate(
        first=Min("created_on"), undated=Count("pk", filter=Q(created_on__isnull=True))
    )
    return None if found["undated"] else found["first"]


def any_region_exists() -> bool:
    return Region.objects.exists()


def membership_after(user: User, day: datetime.date) -> RegionMembership | None:
    """The next membership starting after `day`: a joiner imported with next week's hire
    date is placed already, and is told when she starts rather than to ask to be added."""
    return (
        RegionMembership.objects.filter(user=user, start_date__gt=day)
        .select_related("region")
        .order_by("start_date")
        .first()
    )


def membership_while_away(user: User, day: datetime.date) -> RegionMembership | None:
    """For someone between two memberships on `day` (a week of leave, entered as a gap:
    her membership ended before it and the next starts after it), the one she was in
    last: her plan, goal sheets and reviews stay hers and her RM's to open while she is
    away. None for anyone else (in a region that day, a joiner not started yet, someone
    who left or stopped being an AM)."""
    if user.role != Role.ACCOUNT_MANAGER:  # no query on a manager's pages
        return None
    if not RegionMembership.objects.filter(user=user, start_date__gt=day).exists():
        return None
    return (
        RegionMembership.objects.filter(user=user, end_date__lt=day)
        .select_related("region__branch")
        .order_by("-end_date")
        .first()
    )


def members_during(
    region_ids, start: datetime.date, end: datetime.date
) -> QuerySet[RegionMembership]:
    """Memberships of these regions that overlap [start, end], with their people."""
    return (
        RegionMembership.objects.overlapping(start, end)
        .filter(region_id__in=region_ids)
        .select_related("user", "region")
        .order_by(by_pinyin("region__name"), by_name_pinyin("user__name"), "start_date")
    )


def not_placed_reason(user: User) -> str | None:
    """For a manager the org chart does not place yet (created or imported before the
    admin set up their region, area or branch): what to tell them on the pages that
    would list their people. None for other roles."""
    return {
        Role.REGIONAL_MANAGER: _(
            "You are not the manager of any region yet. Ask your administrator to make you "
            "the manager of your region."
        ),
        Role.AREA_MANAGER: _(
            "You are not in charge of any area yet. Ask your administrator to make you the "
            "manager of your area."
        ),
        Role.BRANCH_HEAD: _(
            "You are not the head of any branch yet. Ask your administrator to make you the "
            "head of your branch."
        ),
    }.get(user.role)


def home_kind(user: User) -> str:
    """Which home page fits this person's work."""
    if user.role == Role.ACCOUNT_MANAGER:
        return "account_manager"
    if user.role == Role.REGIONAL_MANAGER:
        return "regional_manager"
    if user.role in (Role.AREA_MANAGER, Role.BRANCH_HEAD):
        return "overview"
    return "admin"


def tell_apart(users) -> list:
    """Two people of one name in a list (王伟 is China's most common name) are shown with
    their 工号 there: sets `listed_name` on each, which the `listed_name` filter reads.
    The same person may come as several instances (one per log). Returns `users`."""
    users = list(users)
    ids_by_name = defaultdict(set)
    for user in users:
        ids_by_name[user.name].add(user.pk)
    for user in users:
        shared = len(ids_by_name[user.name]) > 1
        user.listed_name = f"{user.name} {user.employee_no}" if shared else user.name
    return users
