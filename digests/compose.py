"""Building one member's digest: deciding what goes in, then rendering it into a message.

Deciding (``compose``) and building (``render``) are separate so the preview page, the CLI
and the sender share them. The parts that are the same for everyone in a period (the
updates and new members) are selected once per period through a ``PeriodCache``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app

from digests.select import Block, fair_blocks, members_joined, replies_to_member, updates_between
from hub.models import Member, Post
from hub.urls import external_url
from mailer.addresses import reply_address
from mailer.outgoing import build_message

# Gmail clips a message whose HTML passes 102 KB; the updates get this much of it (an
# estimate per update, checked by the tests against the real rendered size).
BLOCK_BUDGET = 70_000
POST_OVERHEAD = 900


@dataclass
class Digest:
    """What one member's digest for one period contains."""

    member: Member
    start: datetime
    end: datetime
    blocks: list[Block]
    replies: list[tuple[Post, list[Post]]]
    joined: list[Member]
    omitted_posts: int = 0
    omitted_members: int = 0
    total_posts: int = 0
    frequency: str = "weekly"

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.replies or self.joined)


@dataclass
class PeriodCache:
    """Selections shared by every member with the same period (one send run)."""

    periods: dict[tuple, tuple[list[Block], int, int, int, list[Member]]] = field(
        default_factory=dict
    )


def _cost(post: Post) -> int:
    return len(post.body_html.encode()) + POST_OVERHEAD


def _fit(blocks: list[Block]) -> tuple[list[Block], int, int]:
    """Keep whole blocks while they fit the budget; count what is left out."""
    kept: list[Block] = []
    used = 0
    for index, block in enumerate(blocks):
        cost = sum(_cost(p) for p in block.posts) + POST_OVERHEAD
        if used + cost > BLOCK_BUDGET and kept:
            rest = blocks[index:]
            return kept, sum(len(b.posts) for b in rest), len(rest)
        kept.append(block)
        used += cost
    return kept, 0, 0


def compose(
    member: Member,
    start: datetime,
    end: datetime,
    *,
    seed: int,
    cache: PeriodCache | None = None,
) -> Digest:
    """Decide what ``member``'s digest for ``[start, end)`` holds."""
    key = (start, end, seed)
    shared = cache.periods.get(key) if cache else None
    if shared is None:
        posts = updates_between(start, end)
        blocks, omitted_posts, omitted_members = _fit(fair_blocks(posts, seed))
        shared = (blocks, omitted_posts, omitted_members, len(posts), members_joined(start, end))
        if cache:
            cache.periods[key] = shared
    blocks, omitted_posts, omitted_members, total, joined = shared
    return Digest(
        member=member,
        start=start,
        end=end,
        blocks=blocks,
        replies=replies_to_member(member, start, end),
        joined=[m for m in joined if m.id != member.id],
        omitted_posts=omitted_posts,
        omitted_members=omitted_members,
        total_posts=total,
    )


def _local(moment: datetime, zone: str) -> datetime:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))


def subject(digest: Digest) -> str:
    name = current_app.config["HUB_NAME"]
    authors = len(digest.blocks) + digest.omitted_members
    if digest.total_posts:
        plural = "s" if digest.total_posts != 1 else ""
        people = "s" if authors != 1 else ""
        return f"{name} digest: {digest.total_posts} update{plural} from {authors} member{people}"
    return f"{name} digest: replies and new members"


def _url_maker(endpoint: str, arg: str):  # noqa: ANN202
    """A fast ``id -> URL`` for one endpoint: ``url_for`` once, then string formatting."""
    template = external_url(endpoint, **{arg: 987654321}).replace("987654321", "{}")
    return lambda obj: template.format(obj.id)


def context(digest: Digest) -> dict[str, object]:
    """Everything the digest templates need, reply links included."""
    member = digest.member
    zone = member.timezone or "UTC"
    return {
        "member": member,
        "digest": digest,
        "since": _local(digest.start, zone),
        "until": _local(digest.end, zone),
        "reply_to": {p.id: reply_address(member, p) for b in digest.blocks for p in b.posts}
        | {u.id: reply_address(member, u) for u, _ in digest.replies},
        "post_url": _url_maker("board.show", "post_id"),
        "profile_url": _url_maker("members.profile", "member_id"),
        "board_url": external_url("board.index"),
        "settings_url": external_url("settings.page"),
        "digest_frequency": digest.frequency,
    }


def render(digest: Digest, *, message_id: str | None = None) -> EmailMessage:
    """The digest as a ready message to ``digest.member``."""
    member = digest.member
    return build_message(
        "digest",
        to=member.email,
        subject=subject(digest),
        context=context(digest),
        reply_to=reply_address(member, context="digest"),
        kind="digest",
        member=member,
        message_id=message_id,
    )
