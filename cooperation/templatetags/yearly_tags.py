"""Template tags of the yearly package: the table of what each stage means per item."""

from django import template

register = template.Library()


@register.inclusion_tag("cooperation/includes/stage_meanings.html")
def stage_meanings_table():
    """Every active item × stage with its meaning (two queries), for the survey help."""
    from cooperation.models import RequestItem
    from cooperation.yearly.meanings import meaning_rows

    return {"rows": meaning_rows(list(RequestItem.objects.active()))}


@register.filter
def may_read_yearly(user) -> bool:
    """Whether the navigation offers the yearly report: ministry staff (headquarters, bureaus, centers)."""
    from offices.scopes import is_ministry_staff

    return bool(getattr(user, "is_authenticated", False)) and is_ministry_staff(user)
