"""Security headers on real responses, and templates that keep the CSP possible.

The Content-Security-Policy forbids inline scripts, inline event handlers and style=
attributes; a template that brings one back would silently lose that behaviour or look
in the browser. The grep below fails first.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("logged_in", [False, True], ids=["login page", "home page"])
def test_pages_send_a_strict_content_security_policy(logged_in, org, client, client_for):
    if logged_in:
        response = client_for(org.am).get(reverse("accounts:home"), follow=True)
    else:
        response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


# --- templates ---------------------------------------------------------------------
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def csp_problems(text: str) -> list[str]:
    """What in this template the CSP would block (empty when nothing)."""
    problems = [f"inline event handler: {m.group(0)[-60:]}" for m in INLINE_HANDLER.finditer(text)]
    problems += [f"style attribute: {m.group(0)[-60:]}" for m in STYLE_ATTRIBUTE.finditer(text)]
    problems += [f"<style> element at {m.start()}" for m in STYLE_ELEMENT.finditer(text)]
    problems += [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(text)]
    for m in SCRIPT.finditer(text):
        attributes, body = m.group(1), m.group(2)
        if re.search(r"""type\s*=\s*["']?application/json""", attributes):
            continue  # data for a script ({{ x|json_script }}), never executed
        if not re.search(r"\ssrc\s*=", attributes) or body.strip():
            problems.append(f"inline script: {m.group(0)[:60]}")
    return problems


def _templates() -> list[Path]:
    roots = [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    roots += sorted(Path(settings.BASE_DIR).glob("*/templates"))
    return sorted(p for root in roots for p in root.rglob("*.html"))


def test_templates_have_nothing_the_csp_would_block():
    templates = _templates()
    assert len(templates) > 40  # the search really looked at the project's templates
    found = {
        str(path.relative_to(settings.BASE_DIR)): problems
        for path in templates
        if (problems := csp_problems(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "snippet",
    [
        '<select name="language" onchange="this.form.submit()">',
        "<input type=checkbox onClick='toggle()'>",
        "<script>document.title = 'x'</script>",
        '<script src="/static/js/a.js">alert(1)</script>',
        '<div class="progress-bar" style="width: 5%">',
        "<style>.x { color: red }</style>",
        '<a href="javascript:void(0)">',
    ],
)
def test_the_template_check_catches_what_the_csp_blocks(snippet):
    assert csp_problems(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/footwork.js' %}\"></script>",
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<select data-autosubmit data-testid="person-select">',
        '<rect width="10" height="10" fill="#198754"/>',
        "<p>Sign on=time</p>",
    ],
)
def test_the_template_check_allows_what_the_csp_allows(snippet):
    assert csp_problems(snippet) == []


def test_pages_are_sent_gzipped_to_browsers_that_take_it(org, client_for):
    """Phone QA: the log page went out as 21 kB of plain HTML over mobile data."""
    client = client_for(org.am)
    url = reverse("activity:today")
    response = client.get(url, follow=True, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in client.get(url, follow=True).headers
