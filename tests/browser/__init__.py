# new_page(**PHONE): a 375 px touch phone, as account managers use in the field.
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def tick(box) -> None:
    """Tick a checkbox on a phone page just after typing in a text box. With mobile
    emulation Chromium scrolls the focused box into view a moment later; on a loaded
    machine that scroll can land between Playwright's aim and its tap, and the tap
    misses ("Clicking the checkbox did not change its state", seen once in a full run).
    A person would tap again, and so does this; the box must end up ticked."""
    for attempt in range(3):
        try:
            box.check()
            return
        except Exception as error:  # Playwright's Error; any other kind is re-raised
            if "did not change its state" not in str(error) or attempt == 2:
                raise


# The visible SVG charts' texts as drawn: [(text, height px, left, right, top, cut off)].
_CHART_TEXTS = """() => [...document.querySelectorAll("svg[data-testid=trend-chart]")]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .flatMap(svg => [...svg.querySelectorAll("text")].map(t => {
    const r = t.getBoundingClientRect(), box = svg.getBoundingClientRect();
    const clipped = r.left < box.left - 0.5 || r.right > box.right + 0.5;
    return [t.textContent, r.height, r.left, r.right, Math.round(r.top), clipped];
  }))"""


def unreadable_chart_texts(page, min_px: float = 9) -> list:
    """Texts of the visible charts drawn under `min_px` tall, cut off by the chart's
    edge, or overlapping their neighbour on the same line (SVG text scales with the
    drawing)."""
    texts = page.evaluate(_CHART_TEXTS)
    assert texts, "no chart on the page"
    problems = [t for t in texts if t[1] < min_px or t[5]]
    by_line = {}
    for text in texts:
        by_line.setdefault(text[4], []).append(text)
    for line in by_line.values():
        line.sort(key=lambda t: t[2])
        problems += [b for a, b in zip(line, line[1:], strict=False) if a[3] > b[2]]
    return problems


# What runs past a phone's right edge: the page itself (it would scroll sideways), and a
# table laid out to fit a phone (the plan and review tables, the sign-off queue, regions
# today) that scrolls in its own box instead, hiding its last columns. Wide grids (the
# summary, the week grid) scroll in their box by design and are not listed. Folded
# sections (this month's pace) are opened first: they are measured as a tap shows them.
_SIDEWAYS = """width => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width || window.innerWidth > width) found.push(`page ${page} px`);
  for (const table of document.querySelectorAll(".plan-table, .review-table, .compact-head")) {
    const box = table.parentElement;
    if (box.getBoundingClientRect().width && box.scrollWidth > box.clientWidth + 1) {
      found.push(`${table.dataset.testid} ${box.scrollWidth} px in ${box.clientWidth}`);
    }
  }
  return found;
}"""


def sideways(page) -> list[str]:
    """What runs past the right edge of the page's viewport; [] when nothing does."""
    return page.evaluate(_SIDEWAYS, page.viewport_size["width"])


# Words of the tables' column headers that a phone broke over two lines ("Call" / "backs").
_BROKEN_HEADER_WORDS = """() => {
  const found = [];
  for (const th of document.querySelectorAll("thead th")) {
    if (!th.getBoundingClientRect().width) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode()); ) {
      for (const m of node.textContent.matchAll(/[A-Za-z][A-Za-z'-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        if (new Set(rects.map(r => Math.round(th.matches(":lang(en)") && getComputedStyle(th).writingMode.startsWith("vertical") ? r.left : r.top))).size > 1) found.push(m[0]);
      }
    }
  }
  return found;
}"""


def broken_header_words(page) -> list[str]:
    """English words of the page's table headers broken inside over two lines."""
    return page.evaluate(_BROKEN_HEADER_WORDS)
