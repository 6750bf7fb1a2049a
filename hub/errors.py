"""Failures that carry their reason; translated to a page or an SMTP reply at the edge."""

from __future__ import annotations


class HubError(Exception):
    """Base class: ``str(error)`` is a sentence a person understands."""


class ValidationError(HubError):
    """Input that cannot be accepted as it is. ``field`` names the form field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(HubError):
    """The member may not do this."""


class NotFound(HubError):
    """The thing asked for does not exist (or is deleted)."""


class TooManyPosts(PermissionDenied):
    """The member has reached the hourly post limit; trying later will work."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit
