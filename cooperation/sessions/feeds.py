"""Secret calendar feed addresses (カレンダー配信): made, revoked and renewed by their user, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.sessions.events import CALENDAR_FEED_CHANGED
from cooperation.sessions.models import CalendarFeed
from offices import events
from offices.models import Office, User
from offices.policies import SESSION_PLAN, NotAllowed
from offices.scopes import office_scope_q


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, by: User, office: Office | None = None) -> tuple[CalendarFeed, str]:
    """Make a secret feed address for ``by`` (all its sessions, or one center's); returns the token once."""
    if by is None or not by.is_authenticated:
        raise NotAllowed(by, SESSION_PLAN)
    if office is not None and not Office.objects.filter(office_scope_q(by), pk=office.pk).exists():
        raise ValidationError(_("You do not work with that center."))
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=by, office=office, token_hash=feed_token_hash(token))
    events.publish(CALENDAR_FEED_CHANGED, actor=by, target=str(feed), data={"feed_id": feed.pk, "made": True})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, by: User, feed: CalendarFeed) -> CalendarFeed:
    """End a feed address at once; only its owner may (the owner's calendar program then gets 404)."""
    if by is None or feed.user_id != by.pk:
        raise NotAllowed(by, SESSION_PLAN, feed)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        events.publish(CALENDAR_FEED_CHANGED, actor=by, target=str(feed), data={"feed_id": feed.pk, "revoked": True})
    return feed


@transaction.atomic
def calendar_feed_renew(*, by: User, feed: CalendarFeed) -> tuple[CalendarFeed, str]:
    """Revoke a feed address and make another for the same calendar; returns the new token once."""
    calendar_feed_revoke(by=by, feed=feed)
    return calendar_feed_create(by=by, office=feed.office)


def calendar_feed_resolve(token: str) -> CalendarFeed | None:
    """The active feed of an active user for ``token``; None for anything else (the view answers 404)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user", "office")
        .filter(token_hash=feed_token_hash(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if feed is not None:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed
