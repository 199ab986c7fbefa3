"""The cooperation domain's events (``offices/events.py`` delivers them after commit).

Stage changes, activities and referrals leave their own history
(``ProgressChange``, ``Activity``, ``ReferralEvent``), so their events are
not copied into the audit trail; exports and imports are.
"""

from django.utils.translation import gettext_lazy as _

from offices.events import register

PROGRESS_CHANGED = register("progress_changed", _("stage changed"), audited=False)
ACTIVITY_LOGGED = register("activity_logged", _("activity logged"), audited=False)
ACTIVITY_CHANGED = register("activity_changed", _("activity changed"), audited=False)
REFERRAL_FILED = register("referral_filed", _("referral filed"), audited=False)
REFERRAL_MOVED = register("referral_moved", _("referral moved"), audited=False)
EXPORTED = register("export", _("export"))
IMPORTED = register("import", _("import"))

from cooperation.activities import events as activity_events  # noqa: E402, F401  (corrections)
from cooperation.referrals import events as referral_events  # noqa: E402, F401  (edits, reads, redaction)
