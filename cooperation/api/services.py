"""Creating and revoking personal API tokens."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.api.events import API_TOKEN_CREATED, API_TOKEN_REVOKED
from cooperation.api.models import TOKEN_PREFIX, ApiToken, token_digest
from offices import events, policies
from offices.models import User

MAX_LIVE_TOKENS = 10


@transaction.atomic
def api_token_create(*, by: User, name: str, request=None) -> tuple[ApiToken, str]:
    """A new token for ``by`` itself; returns the row and the token, which is never shown again."""
    policies.require(by, policies.API_TOKEN_MANAGE, by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")})
    # Lock the user's row so two concurrent requests cannot both pass the limit.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if ApiToken.objects.live().filter(user=by).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(_("You already have {count} tokens: revoke one first.").format(count=MAX_LIVE_TOKENS))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=by, name=name, digest=token_digest(key), hint=key[: len(TOKEN_PREFIX) + 4])
    events.publish(
        API_TOKEN_CREATED, actor=by, target=name, data={"token_id": token.pk, "hint": token.hint}, request=request
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, by: User, token: ApiToken, request=None) -> ApiToken:
    """Revoke one of ``by``'s own tokens; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    policies.require(by, policies.API_TOKEN_MANAGE, token.user)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    events.publish(
        API_TOKEN_REVOKED,
        actor=by,
        target=token.name,
        data={"token_id": token.pk, "hint": token.hint},
        request=request,
    )
    return token
