# new_page(**PHONE): a 375 px touch phone, as account managers use in the field.
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}

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
