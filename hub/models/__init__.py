"""Hub's database models. Each module owns one part of the domain."""

from hub.models.auth import LoginRequest, LoginToken
from hub.models.member import Interest, Member, MemberRole, MemberState
from hub.models.post import Post

__all__ = [
    "Interest",
    "LoginRequest",
    "LoginToken",
    "Member",
    "MemberRole",
    "MemberState",
    "Post",
]
