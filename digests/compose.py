"""Building one member's digest: deciding what goes in, then rendering it into a message.

Deciding (``compose``) and building (``render``) are separate so the preview page, the CLI
and the sender share them. The parts that are the same for everyone in a period (the
updates, replies, new members, and the updates rendered with their CSS inlined) are made
once per period through a ``PeriodCache``; each member's digest fills in only what is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app

from digests.pieces import SharedBlocks, render_blocks
from digests.select import (
    Block,
    Thread,
    fair_blocks,
    members_joined,
    replies_by_author,
    updates_between,
)
from hub.models import Member, Post
from hub.urls import external_url
from mailer.addresses import post_reply_minter, reply_address
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
    period: Period | None = None

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.replies or self.joined)


@dataclass
class Period:
    """What every member's digest for one period and seed shares."""

    blocks: list[Block]
    omitted_posts: int
    omitted_members: int
    total_posts: int
    joined: list[Member]
    replies: dict[int, list[Thread]]  # by the author of the update replied to
    shared: SharedBlocks | None = None  # rendered at the first message
    urls: dict[str, object] = field(default_factory=dict)


@dataclass
class PeriodCache:
    """Periods already selected in this send run, by ``(start, end, seed)``."""

    periods: dict[tuple, Period] = field(default_factory=dict)


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


def _select(start: datetime, end: datetime, seed: int, author_id: int | None) -> Period:
    posts = updates_between(start, end)
    blocks, omitted_posts, omitted_members = _fit(fair_blocks(posts, seed))
    return Period(
        blocks=blocks,
        omitted_posts=omitted_posts,
        omitted_members=omitted_members,
        total_posts=len(posts),
        joined=members_joined(start, end),
        replies=replies_by_author(start, end, author_id=author_id),
    )


def compose(
    member: Member,
    start: datetime,
    end: datetime,
    *,
    seed: int,
    cache: PeriodCache | None = None,
) -> Digest:
    """Decide what ``member``'s digest for ``[start, end)`` holds."""
    if cache is None:  # one member: select only their replies
        period = _select(start, end, seed, member.id)
    else:
        key = (start, end, seed)
        period = cache.periods.get(key)
        if period is None:
            period = cache.periods[key] = _select(start, end, seed, None)
    return Digest(
        member=member,
        start=start,
        end=end,
        blocks=period.blocks,
        replies=period.replies.get(member.id, []),
        joined=[m for m in period.joined if m.id != member.id],
        omitted_posts=period.omitted_posts,
        omitted_members=period.omitted_members,
        total_posts=period.total_posts,
        period=period,
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


def _urls(period: Period) -> dict[str, object]:
    if not period.urls:
        period.urls.update(
            post_url=_url_maker("board.show", "post_id"),
            profile_url=_url_maker("members.profile", "member_id"),
            board_url=external_url("board.index"),
            settings_url=external_url("settings.page"),
        )
    return period.urls


def _period(digest: Digest) -> Period:
    if digest.period is None:  # built by hand (tests): treat it as its own period
        digest.period = Period(
            digest.blocks,
            digest.omitted_posts,
            digest.omitted_members,
            digest.total_posts,
            digest.joined,
            {digest.member.id: digest.replies},
        )
    return digest.period


def context(digest: Digest) -> dict[str, object]:
    """What the digest templates need besides the blocks: this member's part of the digest."""
    member = digest.member
    zone = member.timezone or "UTC"
    return {
        "member": member,
        "digest": digest,
        "since": _local(digest.start, zone),
        "until": _local(digest.end, zone),
        "reply_to": {u.id: reply_address(member, u) for u, _ in digest.replies},
        "digest_frequency": digest.frequency,
        **_urls(_period(digest)),
    }


def blocks_for(digest: Digest):  # noqa: ANN201 (a mailer.outgoing.Prerendered)
    """The period's blocks, rendered once, with this member's reply links."""
    period = _period(digest)
    if period.shared is None:
        period.shared = render_blocks(period.blocks, _urls(period)["post_url"])
    return period.shared.for_reader(post_reply_minter(digest.member))


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
        prerendered={"blocks": blocks_for(digest)},
    )
