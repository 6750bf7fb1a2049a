"""The web side of the app: login sessions, CSRF, template filters, blueprints, error pages."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Flask,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.chrome import init_app as init_chrome
from hub.errors import NotFound, PermissionDenied
from hub.extensions import csrf, login_manager
from hub.flags import flagged_by_me
from hub.i18n import LOCALE_NAMES, ROLE_LABELS, STATE_LABELS, current_locale
from hub.legal import legal_links
from hub.models import Member
from hub.numbers import IdConverter
from hub.post_blocks import init_app as init_post_blocks
from hub.render import markdown_filter, post_html_filter
from hub.sessions import member_for_identity
from hub.timefmt import (
    absolute_time,
    date_only,
    date_only_iso,
    digest_period,
    iso_time,
    relative_time,
    short_date,
)
from hub.views import (
    admin,
    admin_import,
    admin_invitations,
    admin_members,
    admin_settings,
    attachments,
    auth,
    board,
    feed,
    health,
    help_page,
    invitations,
    language,
    legal,
    members,
    moderation,
    my_data,
    pictures,
    search,
    settings,
    welcome,
)
from hub.zones import zone_groups

#: Sent with every answer unless its view set one of them itself: (name, lower case, value).
SECURITY_HEADERS = tuple(
    (name, name.lower(), value)
    for name, value in (
        (
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    )
)


@login_manager.user_loader
def _load_member(identity: str) -> Member | None:
    """Suspended and former members, and cookies of ended sessions, log nobody in."""
    days = current_app.config["HUB_SESSION_DAYS"]
    return member_for_identity(identity, max_age=timedelta(days=days))


def _zone_groups_for(selected: str) -> list:
    """The time-zone list of a form whose value is ``selected`` (see ``hub.zones``)."""
    return zone_groups(selected, current_app.config["HUB_DEFAULT_TIMEZONE"])


def _unauthorized() -> Response:
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _error_page(status: int, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    # Before any route is added: every <int:...> is bounded to what the database holds.
    app.url_map.converters["int"] = IdConverter
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "strong"

    app.add_template_filter(markdown_filter, "markdown")
    app.add_template_filter(post_html_filter, "post_html")
    app.add_template_filter(relative_time, "relative_time")
    app.add_template_filter(absolute_time, "absolute_time")
    app.add_template_filter(iso_time, "iso_time")
    app.add_template_filter(short_date, "short_date")
    app.add_template_global(digest_period, "digest_period")
    app.add_template_filter(format_number, "format_number")
    app.add_template_filter(date_only, "date_only")
    app.add_template_filter(date_only_iso, "date_only_iso")
    init_post_blocks(app)
    init_chrome(app)

    @app.context_processor
    def _globals() -> dict:
        return {
            "hub_name": app.config["HUB_NAME"],
            # The member itself, not the proxy: a page asks for it dozens of times.
            "current_member": current_user._get_current_object(),
            "current_locale": current_locale(),
            "locale_names": LOCALE_NAMES,
            "role_labels": ROLE_LABELS,
            "state_labels": STATE_LABELS,
            # Mail is rendered outside requests too; its builder passes absolute links.
            "legal_links": legal_links(app.config) if has_request_context() else [],
            "flagged_by_me": flagged_by_me,
            "zone_groups_for": _zone_groups_for,
        }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        """Each header unless the view set its own (``setdefault``, in one pass)."""
        present = set(response.headers.keys(lower=True))
        for name, lower, value in SECURITY_HEADERS:
            if lower not in present:
                response.headers.add(name, value)
        return response

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        """Browsers ask for /favicon.ico on pages that name no icon (pictures, downloads)."""
        return app.send_static_file("favicon.svg")

    for module in (
        auth,
        board,
        members,
        admin,
        admin_members,
        admin_invitations,
        admin_import,
        admin_settings,
        invitations,
        language,
        moderation,
        attachments,
        my_data,
        settings,
        health,
        search,
        feed,
        legal,
        welcome,
        help_page,
        pictures,
    ):
        app.register_blueprint(module.bp)

    app.register_error_handler(PermissionDenied, lambda e: _error_page(403, str(e)))
    app.register_error_handler(NotFound, lambda e: _error_page(404, str(e)))
    app.register_error_handler(403, lambda e: _error_page(403, _("You may not see this page.")))
    app.register_error_handler(404, lambda e: _error_page(404, _("There is no page here.")))
    app.register_error_handler(
        400, lambda e: _error_page(400, getattr(e, "description", "Bad request."))
    )
    app.register_error_handler(
        413, lambda e: _error_page(413, _("That was too large to send. Try something smaller."))
    )
