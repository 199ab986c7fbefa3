"""The disaster banner: active disasters affecting what the user sees, one query on the pages that show it.

Not cached: the query is one indexed EXISTS-shaped read, and a cache would need the
same invalidation as the roll-ups for a banner that must appear the moment a disaster
is declared.
"""

from django.utils.functional import SimpleLazyObject


def _active_for(user) -> list[dict]:
    from cooperation.disasters.models import Disaster

    if not user.is_authenticated:
        return []
    return list(Disaster.objects.active().visible_to(user).order_by("-started_on").values("pk", "name")[:3])


def disaster_banner(request):
    """``active_disasters``: evaluated only when a template shows the banner (feeds and downloads never do)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"active_disasters": SimpleLazyObject(lambda: _active_for(user))}
