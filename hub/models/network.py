"""Network settings admins changed in the browser (the settings marked ``editable``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.clock import utcnow
from hub.extensions import db


class NetworkSetting(db.Model):
    """One setting's value as text, parsed by its type in ``hub.settings`` when read.

    A row is only ever written for a setting the install does not pin; the environment
    and ``instance/config.py`` still win over it (``hub.network_settings``).
    """

    __tablename__ = "network_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
