"""Hub's database models. Each module owns one part of the domain."""

from hub.models.attachment import PostAttachment
from hub.models.auth import LoginRequest, LoginToken
from hub.models.inbound import InboundMessage, InboundStatus
from hub.models.member import Interest, Member, MemberRole, MemberState
from hub.models.post import Post

__all__ = [
    "InboundMessage",
    "InboundStatus",
    "PostAttachment",
    "Interest",
    "LoginRequest",
    "LoginToken",
    "Member",
    "MemberRole",
    "MemberState",
    "Post",
]
