"""The disaster banner: active disasters affecting what the user sees, at most one query per page, cached."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from cooperation.disasters.services import BANNER_GENERATION_KEY

BANNER_SECONDS = 60


def _scope_key(user) -> str:
    roles = sorted(
        f"{r.kind}:{r.region_id}:{r.office_id}:{r.prefecture_id}:{r.municipality_id}" for r in user.scope_roles
    )
    return "|".join(roles) or "none"


def _active_for(user) -> list[dict]:
    from cooperation.disasters.models import Disaster

    if not user.is_authenticated:
        return []
    generation = cache.get(BANNER_GENERATION_KEY, 0)
    key = f"disasters:banner:{generation}:{_scope_key(user)}"
    found = cache.get(key)
    if found is None:
        found = list(Disaster.objects.active().visible_to(user).order_by("-started_on").values("pk", "name")[:3])
        cache.set(key, found, BANNER_SECONDS)
    return found


def disaster_banner(request):
    """``active_disasters``: evaluated only when a template shows the banner (feeds and downloads never do)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"active_disasters": SimpleLazyObject(lambda: _active_for(user))}
