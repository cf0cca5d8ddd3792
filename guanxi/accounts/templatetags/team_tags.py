"""Template questions about the viewer, answered by the scope module."""

from django import template

from guanxi.accounts import scope

register = template.Library()


@register.filter
def can_administer(user) -> bool:
    """{% if user|can_administer %}: show team administration (managers, superusers)."""
    return scope.can_administer(user)
