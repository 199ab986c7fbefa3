"""Sign-in, sign-out and failed sign-ins into the audit trail, and the lock-out that follows failures.

Django announces every sign-in, sign-out and failed sign-in with the auth
signals, whichever page did it (our sign-in page or the admin's), so the
audit trail listens to them here rather than in each view. The lock-out is
enforced by the sign-in forms (offices/forms.py), which both pages use.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from offices.middleware import mark_refreshed
from offices.models import AuditEvent
from offices.services import audit_record, login_failure_record, login_succeeded


@receiver(user_logged_in, dispatch_uid="offices_audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_in, dispatch_uid="offices_lockout_cleared_at_login")
def lockout_cleared_at_login(sender, request, user, **kwargs):
    login_succeeded(username=user.get_username(), request=request)


@receiver(user_logged_in, dispatch_uid="offices_session_refreshed_at_login")
def session_refreshed_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_refreshed(request.session)


@receiver(user_logged_out, dispatch_uid="offices_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="offices_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    login_failure_record(username=str(credentials.get("username", ""))[:150], request=request)
