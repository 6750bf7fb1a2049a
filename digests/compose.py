"""Building one member's digest: deciding what goes in, then rendering it into a message.

Deciding (``compose``) and building (``render``) are separate so the preview page, the CLI
and the sender share them. The parts that are the same for everyone in a period (the
updates, replies, new members, and the updates rendered with their CSS inlined) are made
once per period through a ``PeriodCache``; each member's digest fills in only what is theirs.

A big week (an imported mailing list: thousands of newcomers, thousands of updates) must
still make a digest Gmail does not clip: it names only the newest ``NEWCOMERS_SHOWN``
newcomers and links the rest, and shows in full only the updates that fit (``_fit``,
measured on a built message), rotating from issue to issue who is shown in full (``_rank``).

Over 350 lines: deciding and rendering share the period's cache and the fitting rules,
which would otherwise be passed between modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from digests.pieces import SharedBlocks, render_blocks
from digests.select import (
    Block,
    Thread,
    count_joined,
    fair_blocks,
    last_featured,
    members_joined,
    replies_by_author,
    updates_between,
)
from digests.shell import BODY_TEMPLATE, Shell, render_shell, safe_name
from hub.extensions import db
from hub.i18n import current_locale, in_locale
from hub.models import DigestFeature, Member, Post
from hub.urls import external_url
from mailer.addresses import post_reply_minter, reply_address
from mailer.outgoing import build_message
from mailer.verp import unsubscribe_token

# Gmail clips a message over 102 KB and hides the rest, the unsubscribe link with it. A
# digest (headers, text and HTML parts as sent) stays under MESSAGE_LIMIT: the part every
# reader shares is fitted to FIT_TARGET, measured on a real message, and the margin is for
# what differs per reader (their name and reply addresses, replies to their own updates,
# which are cut at REPLIES_BUDGET characters).
MESSAGE_LIMIT = 100_000
FIT_TARGET = 86_000
REPLIES_BUDGET = 3_000
# How many newcomers a digest names; the rest are a count and a link to the directory.
NEWCOMERS_SHOWN = 12
POST_OVERHEAD = 900  # a first guess of an update's size in both parts, before measuring


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
    joined_more: int = 0  # newcomers not named
    also_posted: list[Member] = field(default_factory=list)  # posted, not shown in full
    also_posted_text: str = ""
    also_posted_more: int = 0
    omitted_replies: int = 0  # replies to the reader's updates not shown

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.replies or self.joined or self.also_posted)


@dataclass
class Period:
    """What every member's digest for one period and seed shares."""

    blocks: list[Block]
    omitted_posts: int
    omitted_members: int
    total_posts: int
    joined: list[Member]  # the newest, one more than shown (the reader may be one)
    replies: dict[int, list[Thread]]  # by the author of the update replied to
    # Rendered at the first message in each language, shared by every reader of that language.
    shared: dict[str, SharedBlocks] = field(default_factory=dict)
    urls: dict[str, object] = field(default_factory=dict)
    joined_total: int | None = None  # None: ``joined`` is all of them
    also_posted: list[Member] = field(default_factory=list)
    also_posted_text: str = ""  # the names, wrapped between names for the text part
    also_posted_more: int = 0  # posted, not even named (only when thousands posted)
    newcomer_links: dict[tuple[datetime, datetime], str] = field(default_factory=dict)
    # The readers' own part, rendered once per variant (``digests.shell``); None: render whole.
    shells: dict[tuple, Shell | None] = field(default_factory=dict)


def _name_lines(names: list[str], width: int = 76) -> str:
    """``names`` joined by commas, in lines of about ``width``, never breaking inside a name."""
    lines: list[str] = []
    line = ""
    for index, name in enumerate(names):
        item = name + ("," if index < len(names) - 1 else "")
        if line and len(line) + 1 + len(item) > width:
            lines.append(line)
            line = item
        else:
            line = f"{line} {item}" if line else item
    if line:
        lines.append(line)
    return "\n".join(lines)


@dataclass
class PeriodCache:
    """Periods already selected in this send run, by ``(start, end, seed)``."""

    periods: dict[tuple, Period] = field(default_factory=dict)


def _cost(post: Post) -> int:
    return 2 * len(post.body_html.encode()) + POST_OVERHEAD


def _turns(ranked: list[Block]) -> list[int]:
    """Authors (by id) in the order their updates get a place: one each, then a second each."""
    order: list[int] = []
    for turn in range(max((len(b.posts) for b in ranked), default=0)):
        order.extend(b.author.id for b in ranked if len(b.posts) > turn)
    return order


def _arrange(period: Period, fair: list[Block], turns: list[int], places: int) -> None:
    """Show the first ``places`` of ``turns`` in full, in the fair order; name the others."""
    taken: dict[int, int] = {}
    for author_id in turns[:places]:
        taken[author_id] = taken.get(author_id, 0) + 1
    period.blocks = [
        Block(b.author, b.posts[: taken[b.author.id]]) for b in fair if b.author.id in taken
    ]
    period.also_posted = sorted(
        (b.author for b in fair if b.author.id not in taken),
        key=lambda m: (m.name.lower(), m.id),
    )
    period.also_posted_text = _name_lines([m.name for m in period.also_posted])
    period.omitted_posts = len(turns) - min(places, len(turns))
    period.omitted_members = len(period.also_posted)
    period.also_posted_more = 0
    period.shared = {}
    period.shells = {}


def _measure(period: Period, probe: Member, start: datetime, end: datetime) -> int:
    """The size in bytes, as sent, of ``probe``'s digest of ``period`` (without their replies)."""
    digest = _digest(probe, start, end, period, replies=[])
    return len(render(digest).as_bytes(policy=SMTP))


def _fit(
    period: Period,
    fair: list[Block],
    ranked: list[Block],
    probe: Member,
    start: datetime,
    end: datetime,
) -> None:
    """Show as many updates in full as fit in FIT_TARGET; everyone else who posted is named.

    Places go one update per member before anyone gets a second, in the order of ``ranked``
    (members shown in full least recently first). The size is measured on a real message, and
    the guess corrected until it fits (a few renders of the shared part per issue).
    """
    turns = _turns(ranked)
    posts = {p.id: p for b in ranked for p in b.posts}
    places = len(turns)
    if sum(_cost(p) for p in posts.values()) <= 2 * FIT_TARGET:
        _arrange(period, fair, turns, places)
        if _measure(period, probe, start, end) <= FIT_TARGET:
            return
    _arrange(period, fair, turns, 0)
    fixed = _measure(period, probe, start, end)
    if fixed > FIT_TARGET:  # thousands posted: even their names do not all fit
        _shorten_names(period, ranked, fixed, probe, start, end)
        return
    by_author = {b.author.id: b.posts for b in ranked}
    guess, used, counts = 0, fixed, {}
    for author_id in turns:  # the first guess: from the updates' own sizes
        post = by_author[author_id][counts.get(author_id, 0)]
        counts[author_id] = counts.get(author_id, 0) + 1
        used += _cost(post)
        if used > FIT_TARGET:
            break
        guess += 1
    places = guess
    for _attempt in range(6):
        _arrange(period, fair, turns, places)
        size = _measure(period, probe, start, end)
        if size <= FIT_TARGET or places == 0:
            return
        per_place = (size - fixed) / places
        places = min(places - 1, max(0, int((FIT_TARGET - fixed) / per_place)))
    while places > 0:  # still too big after the corrections: step down
        places = int(places * 0.9)
        _arrange(period, fair, turns, places)
        if _measure(period, probe, start, end) <= FIT_TARGET:
            return


def _shorten_names(
    period: Period, ranked: list[Block], size: int, probe: Member, start: datetime, end: datetime
) -> None:
    """Name as many of those who posted as fit (least recently shown first); count the rest.

    The one case where someone who posted is not named: with several thousand members
    posting in one period, their names alone pass the size limit.
    """
    everyone = [b.author for b in ranked]
    keep = len(everyone)
    while keep > 0 and size > FIT_TARGET:
        keep = min(keep - 1, int(keep * FIT_TARGET / size * 0.97))
        period.also_posted = sorted(everyone[:keep], key=lambda m: (m.name.lower(), m.id))
        period.also_posted_text = _name_lines([m.name for m in period.also_posted])
        period.also_posted_more = len(everyone) - keep
        period.shared = {}
        period.shells = {}
        size = _measure(period, probe, start, end)


def _rank(fair: list[Block], issue_id: int | None) -> list[Block]:
    """Members shown in full least recently first (never first of all), then the fair order.

    The choice is made once per issue, not per reader: every reader of one issue shares the
    same rendered updates (``digests.pieces``), which keeps sending fast, and the rotation
    comes from issue to issue. Which members an issue showed in full is recorded
    (``DigestFeature``) when it is sent.
    """
    last = last_featured([b.author.id for b in fair], except_issue=issue_id)
    place = {b.author.id: index for index, b in enumerate(fair)}
    return sorted(fair, key=lambda b: (last.get(b.author.id, -1), place[b.author.id]))


def _record_featured(issue_id: int, blocks: list[Block]) -> None:
    if not blocks:
        return
    table = DigestFeature.__table__
    dialect = db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(table)
        .values([{"issue_id": issue_id, "member_id": b.author.id} for b in blocks])
        .on_conflict_do_nothing(index_elements=["issue_id", "member_id"])
    )
    db.session.commit()


def _select(
    start: datetime,
    end: datetime,
    seed: int,
    author_id: int | None,
    *,
    probe: Member,
    issue_id: int | None = None,
) -> Period:
    posts = updates_between(start, end)
    fair = fair_blocks(posts, seed)
    period = Period(
        blocks=[],
        omitted_posts=0,
        omitted_members=0,
        total_posts=len(posts),
        joined=members_joined(start, end, limit=NEWCOMERS_SHOWN + 1),
        replies=replies_by_author(start, end, author_id=author_id),
    )
    period.joined_total = count_joined(start, end)
    _fit(period, fair, _rank(fair, issue_id), probe, start, end)
    if issue_id is not None:
        _record_featured(issue_id, period.blocks)
    return period


def _is_newcomer(member: Member, start: datetime, end: datetime) -> bool:
    return member.joined_at is not None and start <= member.joined_at < end


def _trim_replies(threads: list[Thread]) -> tuple[list[Thread], int]:
    """The reader's replies up to REPLIES_BUDGET characters (at least one); count the rest."""
    kept: list[Thread] = []
    used = left = 0
    for update, replies in threads:
        shown = []
        for reply in replies:
            used += len(reply.body) + len(reply.body_html) + 200
            if used > REPLIES_BUDGET and (kept or shown):
                left += 1
            else:
                shown.append(reply)
        if shown:
            kept.append((update, shown))
    return kept, left


def _digest(
    member: Member,
    start: datetime,
    end: datetime,
    period: Period,
    *,
    replies: list[Thread] | None = None,
) -> Digest:
    joined = [m for m in period.joined if m.id != member.id]
    total = period.joined_total if period.joined_total is not None else len(period.joined)
    if period.joined_total is not None and _is_newcomer(member, start, end):
        total -= 1
    shown = joined[:NEWCOMERS_SHOWN]
    threads, omitted_replies = _trim_replies(
        period.replies.get(member.id, []) if replies is None else replies
    )
    return Digest(
        member=member,
        start=start,
        end=end,
        blocks=period.blocks,
        replies=threads,
        joined=shown,
        omitted_posts=period.omitted_posts,
        omitted_members=period.omitted_members,
        total_posts=period.total_posts,
        period=period,
        joined_more=max(0, total - len(shown)),
        also_posted=period.also_posted,
        also_posted_text=period.also_posted_text,
        also_posted_more=period.also_posted_more,
        omitted_replies=omitted_replies,
    )


def compose(
    member: Member,
    start: datetime,
    end: datetime,
    *,
    seed: int,
    cache: PeriodCache | None = None,
    issue_id: int | None = None,
) -> Digest:
    """Decide what ``member``'s digest for ``[start, end)`` holds.

    ``issue_id`` is the issue being sent: who it shows in full is recorded, so the next issue
    of a week too big for one message can prefer the others.
    """
    if cache is None:  # one member: select only their replies
        period = _select(start, end, seed, member.id, probe=member, issue_id=issue_id)
    else:
        key = (start, end, seed)
        period = cache.periods.get(key)
        if period is None:
            period = cache.periods[key] = _select(
                start, end, seed, None, probe=member, issue_id=issue_id
            )
    return _digest(member, start, end, period)


def _local(moment: datetime, zone: str) -> datetime:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))


def subject(digest: Digest) -> str:
    """The subject in the current language (``render`` enters the reader's)."""
    name = current_app.config["HUB_NAME"]
    authors = len(digest.blocks) + digest.omitted_members
    if digest.total_posts:
        updates = ngettext("%(num)d update", "%(num)d updates", digest.total_posts)
        people = ngettext("%(num)d member", "%(num)d members", authors)
        return _(
            "%(hub)s digest: %(updates)s from %(people)s", hub=name, updates=updates, people=people
        )
    return _("%(hub)s digest: replies and new members", hub=name)


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


def newcomers_url(start: datetime, end: datetime) -> str:
    """The directory filtered to the members who joined in ``[start, end)`` (UTC)."""
    window = (
        f"{start.replace(microsecond=0).isoformat()}Z/{end.replace(microsecond=0).isoformat()}Z"
    )
    return external_url("members.directory", joined=window)


def _newcomers_url(digest: Digest) -> str:
    """``newcomers_url`` once per period (``url_for`` costs about a millisecond)."""
    links = _period(digest).newcomer_links
    key = (digest.start, digest.end)
    if key not in links:
        links[key] = newcomers_url(digest.start, digest.end)
    return links[key]


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
        "newcomers_url": _newcomers_url(digest) if digest.joined_more else "",
        **_urls(_period(digest)),
    }


def blocks_for(digest: Digest):  # noqa: ANN201 (a mailer.outgoing.Prerendered)
    """The period's blocks, rendered once, with this member's reply links."""
    period = _period(digest)
    locale = current_locale()
    if locale not in period.shared:
        urls = _urls(period)
        period.shared[locale] = render_blocks(
            period.blocks, urls["post_url"], digest=digest, board_url=urls["board_url"]
        )
    return period.shared[locale].for_reader(post_reply_minter(digest.member))


def _shell_key(digest: Digest) -> tuple:
    """What, besides the blocks, the name and the unsubscribe link, a digest's text depends on."""
    return (
        current_locale(),
        digest.member.timezone or "UTC",
        digest.start,
        digest.end,
        digest.frequency,
        tuple(m.id for m in digest.joined),
        digest.joined_more,
    )


def _body(digest: Digest):  # noqa: ANN202 (a mailer.outgoing.Prerendered, or None)
    """The whole digest from the variant's shell, or None where it must be rendered whole."""
    member = digest.member
    if digest.replies or not safe_name(member.name):
        return None
    shells = _period(digest).shells
    key = _shell_key(digest)
    if key not in shells:
        shells[key] = render_shell(context(digest))
    shell = shells[key]
    if shell is None:
        return None
    return shell.fill(
        name=member.name, token=unsubscribe_token(member, "digest"), blocks=blocks_for(digest)
    )


def render(digest: Digest, *, message_id: str | None = None) -> EmailMessage:
    """The digest as a ready message to ``digest.member``, in their language.

    Most readers' digests are filled in from a shell rendered once (``digests.shell``); the
    others are rendered whole. Both give the same bytes.
    """
    member = digest.member
    with in_locale(member):
        body = _body(digest)
        if body is None:
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
        message = build_message(
            BODY_TEMPLATE,
            to=member.email,
            subject=subject(digest),
            reply_to=reply_address(member, context="digest"),
            kind="digest",
            member=member,
            message_id=message_id,
            prerendered={"body": body},
        )
        message.kind = "digest"  # for the backends' logs: what it is, not how it was built
        return message
