"""The bell in the header: the signed-in user's unread count, one query, only when a page shows it."""

from functools import cached_property


class Unread:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        from cooperation.notifications.models import Notification

        return Notification.objects.filter(recipient_id=self.user.pk, read_at=None).count()


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Unread(user)}
