"""Sliding session expiry without a database write on every request."""

import time

from django.conf import settings

REFRESHED_KEY = "_refreshed_at"


def mark_refreshed(session) -> None:
    """Start the refresh interval now (at sign-in, so the first page needs no session write)."""
    session[REFRESHED_KEY] = int(time.time())


class SessionRefreshMiddleware:
    """Extend a signed-in session's idle lifetime at most once every SESSION_REFRESH_SECONDS.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would cost
    a write per page; touching it every few minutes keeps the idle timeout
    (SESSION_COOKIE_AGE) accurate to those minutes at a fraction of the cost.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if time.time() - request.session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                mark_refreshed(request.session)
        return self.get_response(request)
