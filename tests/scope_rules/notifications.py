"""Notifications (issue 12): everyone has an inbox and settings of their own; failed mail is for headquarters.

A notification belongs to its recipient alone: anyone else gets a 404 on it,
whatever their role (headquarters included). The failed-mail page is read by
headquarters (its viewers too) and only headquarters staff who may write
send a mail again.
"""

from cooperation.notifications import kinds
from cooperation.notifications.models import OutgoingMail
from cooperation.notifications.services import notifications_create
from tests.scope_rules import Rule, statuses


def _sapporo_notification(world):
    """A notification in center-sapporo's inbox."""
    [notification] = notifications_create(
        kind=kinds.REFERRAL_FILED,
        recipient_ids=[world.users["center_sapporo"].pk],
        municipality_id=world.otaru.pk,
        url=world.otaru.get_absolute_url(),
        data={"topic": "tax", "received_on": world.day.isoformat()},
    )
    return {"pk": notification.pk}


def _everyone_notified(world):
    """One unread notification for every user of the matrix, so that marking all read changes a row for each."""
    notifications_create(
        kind=kinds.REFERRAL_FILED,
        recipient_ids=[user.pk for user in world.users.values()],
        municipality_id=world.otaru.pk,
        url=world.otaru.get_absolute_url(),
        data={"topic": "tax", "received_on": world.day.isoformat()},
    )
    return {}


def _failed_mail(world):
    mail = OutgoingMail.objects.create(
        recipient=world.users["center_sapporo"],
        to_address="center-sapporo@example.jp",
        subject="件名",
        body="本文",
        status=OutgoingMail.Status.FAILED,
        attempts=6,
        last_error="SMTPDataError: 550",
    )
    return {"pk": mail.pk}


def _preferences(world):
    data = {f"kind_{code}": "inbox" for code in kinds.KINDS}
    data.update({"digest": "on", "language": "ja"})
    return data


OWNER_ONLY_GET = statuses(404, center_sapporo=302)

RULES = [
    Rule(name="cooperation:notification_list", get=statuses(200)),
    Rule(name="cooperation:notification_open", get=OWNER_ONLY_GET, kwargs=_sapporo_notification),
    Rule(
        name="cooperation:notification_read",
        get=statuses(405),
        kwargs=_sapporo_notification,
        post=statuses(404, center_sapporo=302),
        writes=("cooperation.Notification",),
    ),
    Rule(
        name="cooperation:notification_read_all",
        get=statuses(405),
        post=statuses(302),
        post_data=_everyone_notified,
        writes=("cooperation.Notification",),
    ),
    Rule(
        name="cooperation:notification_preferences",
        get=statuses(200),
        post=statuses(302),
        post_data=_preferences,
        writes=("cooperation.NotificationPreference",),
    ),
    Rule(name="cooperation:outgoingmail_list", get=statuses(403, hq=200, viewer_hq=200)),
    Rule(
        name="cooperation:outgoingmail_retry",
        get=statuses(405),
        kwargs=_failed_mail,
        post=statuses(403, hq=302),
        writes=("cooperation.OutgoingMail",),
    ),
]
