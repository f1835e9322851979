"""SQLAlchemy ORM models, the engine and the migrations. Never imported by the UI."""

from leaddesk.models.activity import Activity
from leaddesk.models.base import Base
from leaddesk.models.campaign import Campaign, CampaignTouch
from leaddesk.models.event import LeadEvent
from leaddesk.models.import_batch import ImportBatch, ImportBatchChange, ImportPreset
from leaddesk.models.lead import Lead
from leaddesk.models.report import ActionItem, MeetingReport
from leaddesk.models.settings import AppMeta, SavedFilter, SlaNotification, SlaPolicyVersion, TeamSetting
from leaddesk.models.team import MemberAbsence, TeamMember

__all__ = [
    "ActionItem",
    "Activity",
    "AppMeta",
    "Base",
    "Campaign",
    "CampaignTouch",
    "ImportBatch",
    "ImportBatchChange",
    "ImportPreset",
    "Lead",
    "LeadEvent",
    "MeetingReport",
    "MemberAbsence",
    "SavedFilter",
    "SlaNotification",
    "SlaPolicyVersion",
    "TeamMember",
    "TeamSetting",
]
