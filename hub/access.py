"""Decorators for pages only admins or moderators may open."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.errors import PermissionDenied


def _require(attribute: str, who: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator: log in first, then refuse with 403 unless ``current_user.<attribute>``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not getattr(current_user, attribute):
                raise PermissionDenied(
                    _("Only %(who)s of the network may open this page.", who=who)
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator


admin_required = _require("is_admin", "admins")
moderator_required = _require("is_moderator", "moderators")
