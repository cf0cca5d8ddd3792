import math

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value):
    """A table cell: numbers grouped in the user's locale (money to at most 2 places); no
    value a dash (a review saw blank cells in the satisfaction table)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not value.is_integer():
        return number_format(round(value, 2), decimal_pos=2, force_grouping=True)
    return number_format(int(value), force_grouping=True)


@register.simple_tag
def table_cell(tab, column, value):
    """A cell of an insights table (data.table): a number in its column's precision (one
    decimal for a per-cent column: 19.2, 9.0), anything else as `cell` shows it."""
    places = tab.get("places") or []
    count = places[column] if column < len(places) else None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if count is None or not number or math.isnan(value):  # cell: no value is a dash
        return cell(value)
    return number_format(round(value, count), decimal_pos=count, force_grouping=True)
