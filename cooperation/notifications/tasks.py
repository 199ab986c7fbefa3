"""Tasks on the queue (django-tasks, database backend): mail, the daily digest, retention.

``manage.py db_worker`` runs them; moving to Django 6's ``django.tasks``
changes only the imports below. The digest and the pruning are daily jobs
(``cooperation.schedule``): each run queues the next.
"""

from django_tasks import task

from cooperation.schedule import daily_task


@task()
def fan_out(code: str, actor_id: int, at: str, data: dict) -> int:
    """Write the inbox rows of one domain event (queued by the subscriber after commit)."""
    import datetime

    from cooperation.notifications.subscribers import fan_out_event

    return len(fan_out_event(code=code, actor_id=actor_id, at=datetime.datetime.fromisoformat(at), data=data))


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    from cooperation.notifications.services import notifications_mail

    return notifications_mail(notification_ids=notification_ids)


@task()
def deliver_mail(mail_id: int) -> str:
    from cooperation.notifications.mail import mail_attempt

    return mail_attempt(mail_id=mail_id)


@daily_task
def send_digests() -> dict:
    from cooperation.notifications.digest import digests_send

    return digests_send()


@daily_task
def prune_notifications() -> dict:
    from cooperation.notifications.services import notifications_prune

    return notifications_prune()
