"""The permission matrix: every URL pattern × every persona × own / foreign object.

Each app lists its rows in `tests/<app>/matrix_rows.py` as `ROWS = [Row(...), ...]`;
`tests/test_permission_matrix.py` runs them all and fails for any URL pattern of
ours that has no row.

A row's `kwargs(org, variant)` builds the object the URL points at and returns the
URL kwargs: variant "own" is an object of `org.am` in region 东 (or of the region
itself), variant "foreign" one in another branch entirely. A row with no object
has only the "own" variant.

Besides the conftest's personas, the matrix has `other_area_manager`: the manager of a
second area (乙, region 南) of the same branch, built only here (`extra_persona`), so
that a manager one level up is tried on the regions of an area not theirs.

`expect` maps a persona to the status for the own object, `foreign` for the foreign
one; personas not named get `default` / `foreign_default`, except anonymous and
deactivated users, who get LOGIN (a redirect to the login page) unless named. 302
means a redirect anywhere but the login page (a POST that worked).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = "login"
PERSONAS = (
    "anonymous",
    "am",
    "peer_am",
    "rm",
    "other_rm",
    "area_manager",
    "other_area_manager",
    "branch_head",
    "other_branch_head",
    "admin",
    "deactivated",
)


def extra_persona(org, persona: str):
    """A persona the conftest's `org` does not have, built in its branch."""
    from accounts.models import Role
    from tests import factories as f

    assert persona == "other_area_manager", persona
    manager = f.UserFactory(role=Role.AREA_MANAGER, name="片区经理乙")
    area = f.AreaFactory(branch=org.branch, manager=manager, name="乙")
    rm = f.UserFactory(role=Role.REGIONAL_MANAGER, name="区域经理南")
    region = f.RegionFactory(branch=org.branch, area=area, manager=rm, name="南")
    f.member(region, name="孙七")
    return manager


@dataclass
class Row:
    url_name: str
    method: str = "get"
    kwargs: Callable | None = None
    # data(org) → POST data; or data(org, variant) for data that names an object (a log's
    # id in a bulk sign-off, a prospect's in a visit): then it has a foreign variant too.
    data: Callable | None = None
    expect: dict = field(default_factory=dict)
    default: object = 403
    foreign: dict = field(default_factory=dict)
    foreign_default: object = 404
    # Appended to the URL, e.g. "?week=2026-11-23"; or query(org, variant) for one that
    # names an object (?branch=<pk>): then it has a foreign variant too.
    query: str | Callable = ""
    # False for URLs whose kwargs address no one's object (e.g. a date of one's own log).
    has_foreign: bool = True
    # For a POST whose refusal is a redirect with a message (a form that rejects an id):
    # the personas whose request may change the database. Everyone else's must leave it
    # as it was, whatever the status. None: only refused statuses are checked.
    writers: set | None = None
    foreign_writers: set | None = None

    def status_for(self, persona: str, variant: str):
        table = self.foreign if variant == "foreign" else self.expect
        if persona in table:
            return table[persona]
        if persona in ("anonymous", "deactivated"):
            return LOGIN
        return self.foreign_default if variant == "foreign" else self.default

    def may_write(self, persona: str, variant: str) -> bool:
        writers = self.foreign_writers if variant == "foreign" else self.writers
        return writers is None or persona in writers

    @property
    def data_names_object(self) -> bool:
        return self.data is not None and self.data.__code__.co_argcount == 2

    def post_data(self, org, variant: str) -> dict:
        if self.data is None:
            return {}
        return self.data(org, variant) if self.data_names_object else self.data(org)

    @property
    def variants(self) -> tuple[str, ...]:
        names_object = self.kwargs or callable(self.query) or self.data_names_object
        return ("own", "foreign") if names_object and self.has_foreign else ("own",)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


def anyone(status) -> dict:
    """Every persona, anonymous included: e.g. 405, which Django answers before login."""
    return {p: status for p in PERSONAS}


def everyone(status, **overrides) -> dict:
    """Every logged-in persona gets `status`, except the overrides."""
    result = {p: status for p in PERSONAS if p not in ("anonymous", "deactivated")}
    result.update(overrides)
    return result
