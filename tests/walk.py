"""Walk the pages a person reaches by following links, as a person clicking would (GET
only): the pages of every kind, a few of each, for a test to read."""

import re
from collections import Counter
from html import unescape

# Pages a walk reads of one kind (a URL with its numbers and query left out): the
# month-by-month links of a targets page go back years, each page a kind's like the last.
PER_KIND = 4
SKIP = ("/admin/", "/static/", "/i18n/", "/logout/", "/healthz")


def walk(client, refused=None, *, start="/", skip=SKIP, per_kind=PER_KIND) -> dict:
    """Every kind of page reachable by links from `start`, a few of each: {url: html}.
    Links that were refused go into `refused` as (url, status, the page linking it)."""
    seen, queue, pages, kinds = set(), [(start, None)], {}, Counter()
    while queue:
        url, linked_from = queue.pop(0)
        kind = re.sub(r"\d+", "N", url.split("?")[0])
        if url in seen or kinds[kind] >= per_kind:
            continue
        seen.add(url)
        kinds[kind] += 1
        response = client.get(url, follow=True)
        if response.status_code != 200 and refused is not None:
            refused.append((url, response.status_code, linked_from))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = unescape(href)
            if not href.startswith(skip) and href not in seen:
                queue.append((href, url))
    return pages
