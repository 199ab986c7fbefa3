"""Markup written in Python where a template would cost too much (form widgets, list rows, the desk's rows)."""

import html

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime


def as_in_template(value) -> str:
    """What ``{{ value }}`` gives in a template: local time, localized, escaped (safe strings kept)."""
    return conditional_escape(localize(template_localtime(value)))


def escaped(value) -> str:
    """``conditional_escape()`` without its lazy-string wrapper, which costs more than the escaping of a short name."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
