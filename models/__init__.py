"""The floor of Retombées: settings, database models and framework-free domain rules."""

from .api_token import ApiToken
from .base import (
    Base,
    CoverageOrigin,
    CoverageStatus,
    Medium,
    Prominence,
    RateKind,
    Role,
    Scope,
    SourceHealth,
    SourceKind,
    Tone,
    utcnow,
)
from .campaign import Campaign, KeyMessage
from .contact import Contact, ContactOutlet, LegalBasis
from .coverage import Coverage, CoverageCampaign, Snapshot, Story
from .figures_cache import DataVersion
from .history import CoverageEvent
from .job_run import JobRun
from .label import Label
from .login_session import LoginSession
from .mail import MailMessage, MailStatus
from .outlet import Outlet, RateCard
from .press_action import (
    ActionContact,
    ActionKind,
    AttributionState,
    CoverageAction,
    FollowUp,
    FollowUpOutcome,
    PressAction,
)
from .press_request import PressRequest, RequestStatus
from .settings import Settings, SettingsError
from .source import Source
from .task import Task, TaskStatus
from .user import User

__all__ = [
    "ActionContact",
    "ActionKind",
    "AttributionState",
    "Contact",
    "ContactOutlet",
    "CoverageAction",
    "FollowUp",
    "FollowUpOutcome",
    "LegalBasis",
    "PressAction",
    "PressRequest",
    "RequestStatus",
    "ApiToken",
    "CoverageEvent",
    "JobRun",
    "MailMessage",
    "MailStatus",
    "DataVersion",
    "Task",
    "TaskStatus",
    "Base",
    "Campaign",
    "Coverage",
    "CoverageCampaign",
    "CoverageOrigin",
    "CoverageStatus",
    "KeyMessage",
    "Label",
    "LoginSession",
    "Medium",
    "Outlet",
    "Prominence",
    "RateCard",
    "RateKind",
    "Role",
    "Scope",
    "Settings",
    "SettingsError",
    "Snapshot",
    "Source",
    "SourceHealth",
    "SourceKind",
    "Story",
    "Tone",
    "User",
    "utcnow",
]
