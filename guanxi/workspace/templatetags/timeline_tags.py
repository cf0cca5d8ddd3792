"""{% timeline_items timeline writable %}: the 360 timeline's items (timeline.items_html)."""

from django import template

from guanxi.fast_templates import csrf_input
from guanxi.workspace.timeline import items_html

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_items(context, items, writable):
    return items_html(items, writable=bool(writable), csrf_input=csrf_input(context))
