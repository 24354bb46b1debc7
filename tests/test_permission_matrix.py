"""Runs every row of every app's matrix_rows.py for every persona."""

import importlib
import pkgutil

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import LOGIN, PERSONAS, extra_persona

MATRIX_APPS = ("accounts", "activity", "planning", "reports")
CHECKED_NAMESPACES = set(MATRIX_APPS)
# Django-owned views we expose, each with a row too.
CHECKED_NAMES = {"set_language", "admin:index", "healthz"}


def _rows():
    """ROWS of every tests/<app>/matrix_rows*.py module."""
    rows = []
    for app in MATRIX_APPS:
        try:
            package = importlib.import_module(f"tests.{app}")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("matrix_rows"):
                rows.extend(importlib.import_module(f"tests.{app}.{info.name}").ROWS)
    return rows


ROWS = _rows()


def _url_names(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if namespace and pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}"
            yield from _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_has_a_matrix_row():
    ours = {
        name
        for name in _url_names()
        if name.split(":")[0] in CHECKED_NAMESPACES or name in CHECKED_NAMES
    }
    covered = {row.url_name for row in ROWS}
    assert ours - covered == set(), "URL patterns with no permission-matrix row"


# A view that answers GET may still do something on POST (a form it also accepts), and a
# POST-only action may show something on GET: each URL has a row for both, if only to
# say 405.
BOTH_METHODS = ("get", "post")


def test_every_url_pattern_has_a_get_and_a_post_row():
    ours = {
        name
        for name in _url_names()
        if name.split(":")[0] in CHECKED_NAMESPACES or name in CHECKED_NAMES
    }
    rows = {(row.url_name, row.method) for row in ROWS}
    missing = {(name, method) for name in ours for method in BOTH_METHODS} - rows
    assert missing == set(), "URL patterns with no permission-matrix row for this method"


CASES = [
    pytest.param(row, persona, variant, id=f"{row}-{persona}-{variant}")
    for row in ROWS
    for variant in row.variants
    for persona in PERSONAS
]


# What a refused request may still write: the session (a message to show next). Nothing
# of anyone's records.
NOT_RECORDS = {"sessions.Session"}


def _records() -> dict:
    """Every row of every table of ours, to compare before and after a refused request."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label not in NOT_RECORDS
    }


# Refused: what the request asked must not have been done, whatever the status says (a
# POST refused after it had saved would pass on its status alone).
REFUSED = {403, 404, 405, LOGIN}


@pytest.mark.parametrize(("row", "persona", "variant"), CASES)
def test_permission(row, persona, variant, org, client):
    kwargs = row.kwargs(org, variant) if row.kwargs else {}
    query = row.query(org, variant) if callable(row.query) else row.query
    url = reverse(row.url_name, kwargs=kwargs) + query
    if persona != "anonymous":
        user = getattr(org, persona, None) or extra_persona(org, persona)
        client.force_login(user)
    data = row.post_data(org, variant)
    expected = row.status_for(persona, variant)
    # A form sent back with its errors (200) saved nothing either; nor did a POST whose
    # row names who may write, for anyone else. (GETs are left out: 1,000 of them, each
    # reading every table twice, doubled the run.)
    unchanged = row.method != "get" and (
        expected in REFUSED or expected == 200 or not row.may_write(persona, variant)
    )
    before = _records() if unchanged else None
    response = getattr(client, row.method)(url, data)
    if unchanged:
        assert _records() == before, "a refused request changed the database"
    if expected == LOGIN:
        assert response.status_code == 302, response
        assert response.url.startswith(reverse("accounts:login")), response.url
    elif expected == 302:
        assert response.status_code == 302, response
        assert not response.url.startswith(reverse("accounts:login")), response.url
    else:
        assert response.status_code == expected, (response.status_code, expected)
