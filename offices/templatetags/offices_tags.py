"""Template helpers for what the signed-in user may do with accounts."""

from django import template

from offices import policies

register = template.Library()


@register.filter
def can_manage_users(user) -> bool:
    """True for headquarters and bureau staff (not viewers): they get the account pages."""
    return policies.can(user, policies.USER_MANAGE)
