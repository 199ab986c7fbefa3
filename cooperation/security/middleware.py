"""Security headers on every response: Content-Security-Policy, Permissions-Policy, and no caching of private pages.

Django 5.2 has no CSP of its own (6.0 adds one), so this small middleware sets
the policy of ``settings.CONTENT_SECURITY_POLICY``: everything from the site
itself, no inline script or style (templates use static files and CSS
classes: the stage bars are SVG), no framing, no ``<base>``, forms posting to
the site only. ``Cache-Control: no-store, private`` goes on every page shown
to a signed-in user and on every download, so neither a shared proxy nor the
browser's disk keeps a copy of what only that user may see.

It sits right after SecurityMiddleware, before WhiteNoise, so static files get
the same policy headers (they are public and stay cacheable).
"""

from django.conf import settings


def _is_download(response) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or _is_download(response):
            response["Cache-Control"] = "no-store, private"
            response.headers.pop("Expires", None)
        return response
