"""Runs every row of every app's matrix_rows.py for every persona."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import LOGIN, PERSONAS

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


CASES = [
    pytest.param(row, persona, variant, id=f"{row}-{persona}-{variant}")
    for row in ROWS
    for variant in row.variants
    for persona in PERSONAS
]


@pytest.mark.parametrize(("row", "persona", "variant"), CASES)
def test_permission(row, persona, variant, org, client):
    kwargs = row.kwargs(org, variant) if row.kwargs else {}
    query = row.query(org, variant) if callable(row.query) else row.query
    url = reverse(row.url_name, kwargs=kwargs) + query
    if persona != "anonymous":
        client.force_login(getattr(org, persona))
    data = row.data(org) if row.data else {}
    response = getattr(client, row.method)(url, data)
    expected = row.status_for(persona, variant)
    if expected == LOGIN:
        assert response.status_code == 302, response
        assert response.url.startswith(reverse("accounts:login")), response.url
    elif expected == 302:
        assert response.status_code == 302, response
        assert not response.url.startswith(reverse("accounts:login")), response.url
    else:
        assert response.status_code == expected, (response.status_code, expected)
