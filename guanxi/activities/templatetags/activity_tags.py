"""Template filters of the activities: the body-language signals of a visit, described."""

from django import template

from guanxi.activities.body_language import described

register = template.Library()


@register.filter
def body_language(keys):
    """[{"key", "signal", "meaning"}] of an interaction's stored signal keys."""
    return described(keys)
