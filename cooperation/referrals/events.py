"""Events of referrals beyond filing and moving (``cooperation/events.py``): edits, confirmations, reads, redaction.

Opening a referral's detail and confirming that flagged text is not personal
are audited: the audit trail is where a privacy officer looks for who read
or kept what.
"""

from django.utils.translation import gettext_lazy as _

from offices.events import register

REFERRAL_CHANGED = register("referral_changed", _("referral edited"), audited=False)
REFERRAL_VIEWED = register("referral_viewed", _("referral opened"))
REFERRAL_PERSONAL_INFO_CONFIRMED = register(
    "referral_personal_info_confirmed", _("referral text confirmed as not personal")
)
REFERRALS_REDACTED = register("referrals_redacted", _("referral texts redacted"))
