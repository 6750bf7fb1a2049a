"""Queued account mail sent at once, for tests that read it right after a request.

Hub sends queued mail from ``mailer.queue_sender.QueueSender``, a thread woken by
``hub.mail_queue.mail_queued`` after each commit that queued mail. A test that opens the
mail (or the admin's outbox page) right after the request would have to wait for that
thread; ``send_when_queued`` runs the same ``send_due`` on the same signal, but in the
committing thread, so the mail is in the backend when the request returns. Tests of the
thread itself start a real ``QueueSender``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from hub.mail_queue import mail_queued
from mailer.queue_sender import send_due


def send_when_queued(app: Flask) -> Callable[[], None]:
    """Send ``app``'s queued mail at once, in the committing thread; returns the undo.

    The sender works in an app context (and so a database session) of its own, as the
    sender thread does.
    """

    def flush(_sender: object, **_kwargs: object) -> None:
        with app.app_context():
            send_due()

    mail_queued.connect(flush, sender=app, weak=False)
    return lambda: mail_queued.disconnect(flush, sender=app)
