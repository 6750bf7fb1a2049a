"""Hub's database models. Each module owns one part of the domain."""

from hub.models.auth import LoginRequest, LoginToken
from hub.models.digest import Delivery, DeliveryStatus, DigestIssue, ReplyNotice
from hub.models.member import Interest, Member, MemberRole, MemberState
from hub.models.post import Post
from hub.models.preferences import MailHealth, Preferences

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "DigestIssue",
    "Interest",
    "LoginRequest",
    "LoginToken",
    "MailHealth",
    "Member",
    "MemberRole",
    "MemberState",
    "Post",
    "Preferences",
    "ReplyNotice",
]
