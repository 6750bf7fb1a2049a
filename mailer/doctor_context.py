"""What every ``hub doctor`` check takes and gives: the ``Context`` and ``(status, why, fix)``.

Apart from ``mailer.doctor`` so the check modules (``doctor_config``, ``doctor_dns``,
``doctor_net``) and the module that runs them do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mailer.dns_lookup import Dns, make_resolver

Status = Literal["ok", "warning", "problem"]
Outcome = tuple[Status, str, str]
OK: Status = "ok"
WARNING: Status = "warning"
PROBLEM: Status = "problem"


@dataclass
class Context:
    """What the checks read: the settings, the instance folder, and DNS on demand."""

    config: Mapping[str, Any]
    instance_path: Path
    _dns: Dns | None = field(default=None, repr=False)

    @property
    def dns(self) -> Dns:
        if self._dns is None:
            self._dns = Dns(make_resolver(str(self.config.get("HUB_DNS_SERVER") or "")))
        return self._dns


Check = Callable[[Context], Outcome]
