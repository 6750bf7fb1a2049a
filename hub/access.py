"""Decorators for pages only admins or moderators may open."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user, login_required

from hub.errors import PermissionDenied


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            raise PermissionDenied("Only admins of the network may open this page.")
        return view(*args, **kwargs)

    return wrapper


def moderator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_moderator:
            raise PermissionDenied("Only moderators of the network may open this page.")
        return view(*args, **kwargs)

    return wrapper
