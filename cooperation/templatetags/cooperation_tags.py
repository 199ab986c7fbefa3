"""Template helpers: stage badges that carry text as well as color, Japanese dates and fiscal years."""

from django import template
from django.utils.html import format_html

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
