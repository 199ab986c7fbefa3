"""Template helpers: stage badges that carry text as well as color, Japanese dates and fiscal years."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cooperation import fiscal
from cooperation.models import Stage

register = template.Library()


@register.simple_tag
def stage_badge(stage: str):
    """A badge with the stage's name in text (never color alone) and a CSS class for its color."""
    if not stage:
        stage = Stage.NOT_STARTED
    return format_html('<span class="badge stage-{}">{}</span>', stage, Stage(stage).label)


@register.filter
def jdate(value):
    """2026年11月29日 (Japanese) or 29 Nov 2026 (English)."""
    if value is None or value == "":
        return ""
    if hasattr(value, "date") and callable(value.date):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return fiscal.format_date(value)


@register.filter
def fy_label(year):
    """令和8年度 (2026年度) or FY2026."""
    return fiscal.fiscal_year_label(int(year))


@register.simple_tag
def my_places(user) -> list[tuple[str, str]]:
    """Shortcuts to the pages of the user's own posts (their center's desk, prefecture, local government).

    Built from the roles already loaded for scope checks, so the navigation costs no extra query.
    """
    from offices.models import Role

    if not getattr(user, "is_authenticated", False):
        return []
    places = []
    for role in user.scope_roles:
        if role.kind == Role.Kind.CENTER:
            places.append((role.office.get_absolute_url(), _("Center desk: {name}").format(name=role.office.label)))
        elif role.kind == Role.Kind.PREFECTURE:
            places.append(
                (role.prefecture.get_absolute_url(), _("Report: {name}").format(name=role.prefecture.display_name))
            )
        elif role.kind == Role.Kind.MUNICIPALITY:
            places.append((role.municipality.get_absolute_url(), role.municipality.name))
    seen = set()
    return [place for place in places if not (place[0] in seen or seen.add(place[0]))]
