"""A request budget per token (per user for a browser session), in the shared cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from cooperation.api.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        """``API_THROTTLE_RATE`` (``DJANGO_API_THROTTLE``), e.g. ``3600/hour``; read per request so tests can set it."""
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
