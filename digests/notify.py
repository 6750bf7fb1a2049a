"""Reply notifications (batched) and receipts for updates that arrived by email.

``ReplyNotice`` rows are written by ``hub.posts.write_posts`` in the same transaction as the
reply, so a notice can never be lost between the two. The scheduler's tick sends the
notices whose window (``HUB_REPLY_BATCH_MINUTES`` after the first reply) has closed, one
message per member and update, threaded under that update with ``In-Reply-To``.

With ``HUB_REPLY_BATCH_MINUTES=0`` every reply is notified at once, whichever way it came:
``hub.posts.reply_posted`` (a reply written on the web) and ``hub.posts.replies_written``
(replies the SMTP listener or its poster committed) wake the process's ``NoticeSender``,
a thread that sends the notices, so neither a web request nor the listener waits on the
relay. The thread starts with the first such reply in a process and ends after
``IDLE_SECONDS`` without one. The scheduler's tick still sends whatever is due (a notice
the relay refused for now, one committed by a process that stopped before sending it);
each batch is claimed before it is sent, so it goes once.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from digests.delivery import worker_id
from hub.clock import utcnow
from hub.extensions import db
from hub.models import DeliveryStatus, Member, Post, ReplyNotice
from hub.posts import replies_written, reply_posted
from hub.preferences import get_preferences, takes
from hub.urls import external_url
from hub.wording import snippet
from mailer.addresses import reply_address
from mailer.backends import SendError, close_backend
from mailer.bounces import is_bouncing
from mailer.outgoing import build_message, send

log = logging.getLogger(__name__)


def thread_message_id(post: Post) -> str:
    """A stable Message-ID standing for an update, so all mail about it threads together."""
    domain = current_app.config["HUB_MAIL_DOMAIN"]
    tag = hashlib.sha256(f"{domain}:{post.id}".encode()).hexdigest()[:10]
    return f"<update.{post.id}.{tag}@{domain}>"


#: Seconds the notice sender's thread waits for another reply before it ends.
IDLE_SECONDS = 60.0
_SENDER = "hub_notice_sender"


def init_app(app: Flask) -> None:
    """Hand reply notices to the sending thread when the domain announces a reply."""
    reply_posted.connect(_on_reply, sender=app)
    replies_written.connect(_on_replies, sender=app)


def _on_reply(app: Flask, *, post: Post) -> None:
    if post.parent_id is not None:
        after_reply(app)


def _on_replies(app: Flask) -> None:
    after_reply(app)


def after_reply(app: Flask) -> None:
    """With no batching window, wake the notice sender; it returns at once."""
    if int(app.config["HUB_REPLY_BATCH_MINUTES"]) == 0:
        notice_sender(app).wake()


def notice_sender(app: Flask) -> NoticeSender:
    """The app's notice sender in this process (made once; its thread starts on a wake)."""
    sender = app.extensions.get(_SENDER)
    if sender is None:  # two threads at once keep the same one (setdefault is atomic)
        sender = app.extensions.setdefault(_SENDER, NoticeSender(app))
    return sender


class NoticeSender:
    """A thread that sends the reply notices that are due when woken.

    The thread is started by the first ``wake`` and ends after ``idle_seconds`` without
    another, so a process that never sees a reply (most test apps, a quiet gunicorn worker)
    runs none. At interpreter exit it is given ``STOP_SECONDS`` to finish what it sends.
    """

    STOP_SECONDS = 10.0

    def __init__(self, app: Flask, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self.app = app
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._sending = False
        self._registered = False
        self._done = threading.Condition(self._lock)

    def wake(self) -> None:
        """A reply was committed: send its notice now (in the thread, never here)."""
        with self._lock:
            if self._stopping:
                return
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="reply-notices", daemon=True)
                self._thread.start()
                if not self._registered:
                    self._registered = True
                    atexit.register(self.stop)

    def stop(self) -> None:
        """End the thread once what it is sending is sent (the tick sends the rest)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
            self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.STOP_SECONDS)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every wake so far has been handled (tests); False on timeout."""
        with self._done:
            return self._done.wait_for(
                lambda: self._thread is None or not (self._sending or self._wake.is_set()),
                timeout,
            )

    def _run(self) -> None:
        while True:
            self._wake.wait(self.idle_seconds)
            with self._lock:
                if self._stopping or not self._wake.is_set():  # idle (or a wake just now)
                    self._thread = None
                    self._done.notify_all()
                    return
                self._wake.clear()
                self._sending = True
            try:
                with self.app.app_context():
                    if send_due_notices():
                        close_backend(self.app)  # relays drop idle connections anyway
            except Exception:  # the notices stay pending: the next wake or tick sends them
                log.exception("reply notices not sent yet")
            finally:
                with self._lock:
                    self._sending = False
                    self._done.notify_all()


def send_due_notices(*, now: datetime | None = None) -> int:
    """Send every batch whose window has closed; return how many messages went out."""
    now = now or utcnow()
    window = timedelta(minutes=int(current_app.config["HUB_REPLY_BATCH_MINUTES"]))
    _release_abandoned(now)
    due = db.session.execute(
        select(ReplyNotice.recipient_id, ReplyNotice.update_id)
        .where(ReplyNotice.status == DeliveryStatus.PENDING)
        .group_by(ReplyNotice.recipient_id, ReplyNotice.update_id)
        .having(func.min(ReplyNotice.created_at) <= now - window)
    ).all()
    sent = 0
    for recipient_id, update_id in due:
        sent += _send_batch(recipient_id, update_id, now=now)
    return sent


def _release_abandoned(now: datetime) -> None:
    db.session.execute(
        update(ReplyNotice)
        .where(
            ReplyNotice.status == DeliveryStatus.CLAIMED,
            ReplyNotice.sent_at.is_(None),
            ReplyNotice.claimed_by != worker_id(),
            ReplyNotice.created_at < now - timedelta(hours=1),
        )
        .values(status=DeliveryStatus.PENDING, claimed_by="")
    )
    db.session.commit()


def _claim(recipient_id: int, update_id: int) -> list[ReplyNotice]:
    token = f"{worker_id()}:{recipient_id}:{update_id}"
    db.session.execute(
        update(ReplyNotice)
        .where(
            ReplyNotice.recipient_id == recipient_id,
            ReplyNotice.update_id == update_id,
            ReplyNotice.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CLAIMED, claimed_by=token)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(ReplyNotice)
            .where(ReplyNotice.claimed_by == token, ReplyNotice.status == DeliveryStatus.CLAIMED)
            .order_by(ReplyNotice.created_at, ReplyNotice.id)
        )
    )


def _finish(
    notices: list[ReplyNotice], status: str, *, now: datetime, message_id: str = ""
) -> None:
    for notice in notices:
        notice.status = status
        notice.claimed_by = ""
        notice.message_id = message_id
        if status == DeliveryStatus.SENT:
            notice.sent_at = now
    db.session.commit()


def _send_batch(recipient_id: int, update_id: int, *, now: datetime) -> int:
    notices = _claim(recipient_id, update_id)
    if not notices:
        return 0  # another scheduler took them
    recipient = db.session.get(Member, recipient_id)
    update_post = db.session.get(Post, update_id)
    replies = [n.reply for n in notices if n.reply.is_visible]
    if (
        not replies
        or not update_post.is_visible
        or not takes(get_preferences(recipient), "replies")
        or is_bouncing(recipient)
    ):
        _finish(notices, DeliveryStatus.SKIPPED, now=now)
        return 0
    message = render_notification(recipient, update_post, replies)
    try:
        send(message)
    except SendError as exc:
        status = DeliveryStatus.FAILED if exc.permanent else DeliveryStatus.PENDING
        _finish(notices, status, now=now)
        log.warning("reply notification to member %s not sent: %s", recipient_id, exc)
        return 0
    _finish(notices, DeliveryStatus.SENT, now=now, message_id=str(message["Message-ID"]))
    return 1


def reply_subject(update_post: Post, authors: list[str]):
    """ "Re:" and the start of the update (cut between words, so mail programs thread it
    with the update), then who replied: the subject says what the mail is. Lazy, worded
    in the recipient's language when the mail is built ("Re:" stays as mail programs
    expect it)."""
    start = snippet(update_post.body, 50)
    if len(authors) == 1:
        return _l("Re: %(start)s (reply from %(name)s)", start=start, name=authors[0])
    return _l("Re: %(start)s (replies from %(count)s members)", start=start, count=len(authors))


def render_notification(recipient: Member, update_post: Post, replies: list[Post]):  # noqa: ANN201
    """One message telling ``recipient`` about ``replies`` to their ``update_post``."""
    authors = list(dict.fromkeys(r.author.name for r in replies))
    hub_name = current_app.config["HUB_NAME"]
    one_voice = len(authors) == 1
    thread = thread_message_id(update_post)
    return build_message(
        "reply",
        to=recipient.email,
        subject=reply_subject(update_post, authors),
        context={
            "member": recipient,
            "update": update_post,
            "replies": replies,
            "thread_url": external_url("board.show", post_id=update_post.id),
            "settings_url": external_url("settings.page"),
        },
        reply_to=reply_address(recipient, update_post),
        from_name=_l("%(name)s via %(hub)s", name=authors[0], hub=hub_name) if one_voice else None,
        kind="reply",
        member=recipient,
        in_reply_to=thread,
        references=[thread],
    )
