"""Events of the commissioner register (``offices/events.py`` delivers them after commit).

``data`` always holds ``commissioner_id``, ``municipality_id`` and ``office_id``
(the center the commissioner belongs to), so a subscriber (notifications)
knows whom to tell without reading the register. ``commissioner_term_ending``
is raised once per commissioner and term by :func:`commissioner_terms_ending_announce`
(run daily), with ``term_ends_on``.
"""

from django.utils.translation import gettext_lazy as _

from offices.events import register

COMMISSIONER_CREATED = register("commissioner_created", _("commissioner added to the register"))
COMMISSIONER_CHANGED = register("commissioner_changed", _("commissioner record changed"))
COMMISSIONER_RECOMMENDED = register("commissioner_recommended", _("commissioner recommended"))
COMMISSIONER_APPOINTED = register("commissioner_appointed", _("commissioner appointed or reappointed"))
COMMISSIONER_ENDED = register("commissioner_ended", _("commissioner retired"))
COMMISSIONER_AWARDED = register("commissioner_awarded", _("award to a commissioner recorded"))
COMMISSIONER_IMPORTED = register("commissioner_imported", _("commissioner register imported"))
COMMISSIONER_TERM_ENDING = register("commissioner_term_ending", _("commissioner's term ending soon"), audited=False)
