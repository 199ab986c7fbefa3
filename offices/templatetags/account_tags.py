"""Template helpers of an account's page."""

from django import template

from offices.services import login_locked_until

register = template.Library()


@register.simple_tag
def locked_until(user):
    """When the account's sign-in lock-out ends, or None."""
    return login_locked_until(username=user.username)
