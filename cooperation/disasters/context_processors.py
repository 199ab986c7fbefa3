"""The disaster banner: active disasters affecting what the user sees, on every page that shows it.

Read from the roll-up cache per scope: the banner is on every page, and the query behind it cost
every page a round trip. Its generation (``generations.DISASTERS``) is bumped when a disaster is
declared or closed and whenever a disaster or its local governments are saved (the admin too), so
a declared disaster is on the very next page, from any worker.
"""

from django.utils.functional import SimpleLazyObject


def _active_for(user) -> list[dict]:
    from cooperation.caching import generations, rollups
    from cooperation.disasters.models import Disaster

    if not user.is_authenticated:
        return []
    return rollups.cached(
        "disaster_banner",
        lambda: list(Disaster.objects.active().visible_to(user).order_by("-started_on").values("pk", "name")[:3]),
        user=user,
        depends=[generations.DISASTERS],
    )


def disaster_banner(request):
    """``active_disasters``: evaluated only when a template shows the banner (feeds and downloads never do)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"active_disasters": SimpleLazyObject(lambda: _active_for(user))}
