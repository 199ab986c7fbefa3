"""Template tags of the yearly package: whether the navigation offers the yearly report."""

from django import template

register = template.Library()


@register.filter
def may_read_yearly(user) -> bool:
    """Whether the navigation offers the yearly report: ministry staff (headquarters, bureaus, centers)."""
    from offices.scopes import is_ministry_staff

    return bool(getattr(user, "is_authenticated", False)) and is_ministry_staff(user)
