from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value):
    """A table cell: numbers grouped in the user's locale (money to at most 2 places)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not value.is_integer():
        return number_format(round(value, 2), decimal_pos=2, force_grouping=True)
    return number_format(int(value), force_grouping=True)
