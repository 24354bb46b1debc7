from decimal import Decimal

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sort_link(label, key, current, query):
    """A column header that sorts by `key`, descending on the second click."""
    params = QueryDict(query, mutable=True)
    descending = current == key
    params["sort"] = f"-{key}" if descending else key
    arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
    if not arrow:
        return format_html('<a href="?{}" class="text-reset">{} </a>', params.urlencode(), label)
    # The arrow is a picture to a screen reader ("black up-pointing triangle", or
    # nothing): it hears the order in words instead.
    order = _("sorted ascending") if arrow == "▲" else _("sorted descending")
    return format_html(
        '<a href="?{}" class="text-reset">{} <span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">({})</span></a>',
        params.urlencode(),
        label,
        arrow,
        order,
    )


@register.simple_tag
def row_link(url_name, key, parent=None):
    """The drill-down URL of a row: a region's, or (with `parent`) a member's of that region."""
    return reverse(url_name, args=[parent, key] if parent else [key])


@register.filter
def headcount(value):
    """4.50 → 4.5, 13.00 → 13: people, with a part of a head for whoever joined or left."""
    text = format(Decimal(value).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
