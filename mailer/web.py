"""Hooks the mail side's pages into the app: blueprints, the bounce banner, and the figures
the domain's pages show about mail (held messages, bouncing addresses). Registered as the
app part ``10_mailer`` (pyproject.toml), which ``hub.create_app`` adds.

The domain's templates call ``held_mail_count()``, ``held_messages()``, ``held_previews()``,
``bouncing_count()`` and ``bouncing_member_ids()``: template globals, so ``hub/`` itself
never asks the mail side anything. Held mail's stored reasons are shown through the
``held_reason`` and ``held_status`` filters, and the audit log's ``mail.*`` entries through
the words this side gives ``hub.views.audit_words``.
"""

from __future__ import annotations

from flask import Flask

from hub.extensions import csrf
from hub.views import audit_words
from mailer import bounces, held_mail, held_words
from mailer.views import bounces as bounces_views
from mailer.views import held_mail as held_mail_views
from mailer.views import unsubscribe as unsubscribe_views


def init_app(app: Flask) -> None:
    for module in (held_mail_views, unsubscribe_views, bounces_views):
        app.register_blueprint(module.bp)
    # Mail clients POST "List-Unsubscribe=One-Click" with no session and no CSRF token
    # (RFC 8058); the signed token in the URL is the proof instead.
    csrf.exempt(unsubscribe_views.bp)
    app.context_processor(bounces.banner_context)
    app.add_template_global(held_mail.held_mail_count)
    app.add_template_global(held_mail.held_messages)
    app.add_template_global(held_mail.previews, "held_previews")
    app.add_template_global(bounces.bouncing_count)
    app.add_template_global(bounces.bouncing_member_ids)
    app.add_template_filter(held_words.reason, "held_reason")
    app.add_template_filter(held_words.status, "held_status")
    audit_words.BY_GROUP["mail"] = held_words.AUDIT_WORDS
