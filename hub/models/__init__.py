"""Hub's database models. Each module owns one part of the domain."""

from hub.models.attachment import PostAttachment
from hub.models.auth import LoginRequest, LoginToken
from hub.models.curation import (
    EmailChange,
    FormerAddress,
    Invitation,
    JoinRequest,
    JoinRequestState,
)
from hub.models.digest import (
    Delivery,
    DeliveryStatus,
    DigestFeature,
    DigestIssue,
    ReplyNotice,
)
from hub.models.feed import FeedToken
from hub.models.heartbeat import Heartbeat
from hub.models.inbound import InboundMessage, InboundStatus
from hub.models.mail_queue import QueuedMail, QueuedMailStatus
from hub.models.member import Interest, Member, MemberRole, MemberState
from hub.models.moderation import AuditEntry, Flag
from hub.models.network import NetworkSetting
from hub.models.picture import MemberPicture
from hub.models.post import Post
from hub.models.preferences import MailHealth, Preferences

__all__ = [
    "AuditEntry",
    "EmailChange",
    "FeedToken",
    "Flag",
    "FormerAddress",
    "Heartbeat",
    "InboundMessage",
    "InboundStatus",
    "Delivery",
    "DeliveryStatus",
    "DigestFeature",
    "DigestIssue",
    "Interest",
    "Invitation",
    "JoinRequest",
    "JoinRequestState",
    "LoginRequest",
    "LoginToken",
    "MailHealth",
    "Member",
    "MemberPicture",
    "NetworkSetting",
    "MemberRole",
    "MemberState",
    "Post",
    "PostAttachment",
    "Preferences",
    "QueuedMail",
    "QueuedMailStatus",
    "ReplyNotice",
]
