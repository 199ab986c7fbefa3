"""Markup kept in the shared cache is the same for every viewer: what is the request's own is filled in after.

A cached section that holds a form renders ``{% csrf_token %}`` with
``csrf_token=placeholders.csrf()`` and a ``next`` field with
``placeholders.next_path()``; ``fill(html, request)`` puts this request's CSRF
token and path in their place. The markers are derived from SECRET_KEY, so no
one who writes a title or a note can know them and have their text replaced.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _marker(name: str) -> str:
    return "ph" + hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()[:30]


def csrf() -> str:
    return _marker("csrf")


def next_path() -> str:
    return _marker("next")


def fill(html: str, request) -> SafeString:
    """``html`` (markup rendered with the markers) with this request's CSRF token and path."""
    return mark_safe(html.replace(csrf(), get_token(request)).replace(next_path(), escape(request.get_full_path())))
