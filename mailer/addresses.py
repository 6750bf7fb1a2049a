"""Reply addresses (minimal stand-in with the agreed signature; ingest owns the real one).

``reply+<key>@<HUB_MAIL_DOMAIN>``: the key names the member and what is answered (a post,
the weekly prompt or the digest) and carries an HMAC so nobody can forge one.
"""

from __future__ import annotations

from flask import current_app

from hub.models import Member, Post
from mailer.verp import make_token

_CONTEXTS = {"prompt": "p", "digest": "d"}


def reply_address(member: Member, post: Post | None = None, *, context: str = "post") -> str:
    """The address at which ``member`` answers ``post`` (or the prompt or digest)."""
    secret = current_app.config["SECRET_KEY"]
    if post is not None:
        token = make_token("reply", member.id, f"t{post.id}", secret=secret)
    else:
        token = make_token("reply", member.id, _CONTEXTS.get(context, "u"), secret=secret)
    return f"reply+{token}@{current_app.config['HUB_MAIL_DOMAIN']}"
