"""Every model of the cooperation app, defined in its domain package and re-exported here.

One Django app, so the migrations stay in ``cooperation/migrations``; the
models live beside their services and views (``progress/``, ``activities/``,
``referrals/``, ``survey/``).
"""

from cooperation.activities.models import Activity, Attachment, PrivateStorage, attachment_storage
from cooperation.api.models import ApiToken
from cooperation.progress.models import (
    STAGE_LEVELS,
    Category,
    Progress,
    ProgressChange,
    RequestItem,
    Stage,
)
from cooperation.referrals.models import Referral, ReferralEvent
from cooperation.survey.models import ImportBatch

__all__ = [
    "STAGE_LEVELS",
    "Activity",
    "ApiToken",
    "Attachment",
    "Category",
    "ImportBatch",
    "PrivateStorage",
    "Progress",
    "ProgressChange",
    "Referral",
    "ReferralEvent",
    "RequestItem",
    "Stage",
    "attachment_storage",
]
