"""Every model of the cooperation app, defined in its domain package and re-exported here.

One Django app, so the migrations stay in ``cooperation/migrations``; the
models live beside their services and views (``progress/``, ``activities/``,
``referrals/``, ``survey/``).
"""

from cooperation.activities.models import Activity, ActivityVersion, Attachment, PrivateStorage, attachment_storage
from cooperation.api.models import ApiToken
from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerBackground, CommissionerTerm
from cooperation.disasters.models import Disaster, Preparedness, SpecialOfficeDay
from cooperation.notifications.models import Notification, NotificationPreference, OutgoingMail
from cooperation.progress.models import (
    STAGE_LEVELS,
    Category,
    Progress,
    ProgressChange,
    RequestItem,
    Stage,
)
from cooperation.referrals.models import Referral, ReferralEvent
from cooperation.relay.models import RelayRecord
from cooperation.sessions.models import (
    Agency,
    CalendarFeed,
    Participant,
    Session,
    SessionFigure,
    SessionSeries,
    Venue,
)
from cooperation.survey.models import ImportBatch
from cooperation.yearly.models import ClosedFigure, FiscalYearClose, StageMeaning

__all__ = [
    "Agency",
    "CalendarFeed",
    "Disaster",
    "Participant",
    "Preparedness",
    "Session",
    "SessionFigure",
    "SessionSeries",
    "SpecialOfficeDay",
    "Venue",
    "STAGE_LEVELS",
    "Activity",
    "ActivityVersion",
    "ApiToken",
    "Attachment",
    "Category",
    "Commissioner",
    "CommissionerAward",
    "CommissionerBackground",
    "CommissionerTerm",
    "ClosedFigure",
    "FiscalYearClose",
    "ImportBatch",
    "Notification",
    "NotificationPreference",
    "OutgoingMail",
    "PrivateStorage",
    "Progress",
    "ProgressChange",
    "Referral",
    "RelayRecord",
    "ReferralEvent",
    "RequestItem",
    "Stage",
    "StageMeaning",
    "attachment_storage",
]
