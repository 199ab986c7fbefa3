"""The stacked stage bar of the reports, drawn as SVG so that no inline style is needed (the CSP forbids them)."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def stage_bar(parts) -> str:
    """One ``<rect>`` per stage with a count, laid end to end over a 100-unit-wide, stretched viewBox.

    ``parts`` are the StageCount rows of a report (``stage``, ``count``,
    ``percent``); colours come from the ``stage-…`` classes in reports.css.
    """
    rects = []
    x = 0.0
    for part in parts:
        if not part.count or not part.percent:
            continue
        rects.append((f"{x:.3f}", f"{part.percent:.3f}", part.stage))
        x += part.percent
    return format_html(
        '<svg class="stage-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        "{}</svg>",
        format_html_join("", '<rect x="{}" y="0" width="{}" height="10" class="stage-{}"></rect>', rects),
    )
