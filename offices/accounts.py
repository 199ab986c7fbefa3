"""What headquarters and bureaus do for an account from its page: send a password reset, lift a lock-out."""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from offices import policies
from offices.models import AuditEvent, User
from offices.services import audit_record, login_lock_clear, login_locked_until

EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"


@transaction.atomic
def user_password_reset_send(*, by: User, user: User, request) -> None:
    """Mail ``user`` a link to choose a new password (the same mail as 'Forgotten your password?').

    Refused (``NotAllowed``) unless ``by`` manages the account; a deactivated
    account or one without an e-mail address is a ``ValidationError``. Audited.
    """
    policies.require(by, policies.USER_MANAGE, user)
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: activate it before sending a password reset."))
    if not user.email:
        raise ValidationError(_("This account has no e-mail address: add one first."))
    context = {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": request.get_host(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }
    audit_record(action=AuditEvent.Action.PASSWORD_RESET_SENT, actor=by, target=user.username, request=request)
    # The mail goes out only once the audit row is committed: a rolled-back request sends nothing.
    transaction.on_commit(
        lambda: PasswordResetForm().send_mail(SUBJECT_TEMPLATE, EMAIL_TEMPLATE, context, None, user.email)
    )


@transaction.atomic
def user_unlock(*, by: User, user: User, request=None) -> bool:
    """Lift the sign-in lock-out of ``user`` now; returns False (and records nothing) if it was not locked."""
    policies.require(by, policies.USER_MANAGE, user)
    if login_locked_until(username=user.username) is None:
        return False
    login_lock_clear(username=user.username)
    audit_record(
        action=AuditEvent.Action.UNLOCKED, actor=by, username=user.username, target=user.username, request=request
    )
    return True
