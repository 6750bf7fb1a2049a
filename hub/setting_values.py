"""What a setting is and how its values parse: ``Setting``, ``SettingError``, ``parse``.

The table of every setting is ``hub.settings.SETTINGS``; this is the logic it is made of.
Each value, wherever it comes from, is parsed by the setting's type: the type of its
default, or the ``kind`` declared for it. A value that does not parse raises
``SettingError``, whose message names the setting, the value and what it accepts.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

KINDS = ("bool", "int", "float", "str", "choice", "timezone", "url", "list")
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")


class SettingError(Exception):
    """A setting's value does not parse; the message is one sentence for the operator.

    ``accepts`` says what the setting takes, for a form to show beside the field.
    """

    def __init__(self, message: str, accepts: str = "") -> None:
        super().__init__(message)
        self.accepts = accepts


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name without the ``HUB_`` prefix.

    ``kind`` is inferred from a non-None default (bool, int, float, str), or ``choice``
    when ``choices`` are given; ``minimum``/``maximum`` bound numbers. A None default
    means "unset: derived at start-up", and such a setting declares its ``kind``.
    ``secret`` keeps the value out of error messages. ``editable``: admins may change it
    on the network settings page (stored in the database), unless the environment,
    ``instance/config.py`` or the factory's dict sets it: those pin it.
    """

    name: str
    default: Any
    help: str
    kind: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    editable: bool = False

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", _inferred_kind(self))
        if self.kind not in KINDS:
            raise TypeError(f"setting {self.name}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise TypeError(f"setting {self.name}: a choice needs its choices")


def _inferred_kind(setting: Setting) -> str:
    if setting.choices:
        return "choice"
    for kind in (bool, int, float, str):  # bool first: True is an int too
        if isinstance(setting.default, kind):
            return kind.__name__
    raise TypeError(
        f"setting {setting.name}: declare kind= (its default {setting.default!r} gives no type)"
    )


def _refuse(setting: Setting, value: Any, accepts: str) -> SettingError:
    shown = "" if setting.secret else f"={value!r}"
    return SettingError(f"HUB_{setting.name}{shown} is not valid: it takes {accepts}.", accepts)


def _bounds(setting: Setting) -> str:
    low, high = setting.minimum, setting.maximum
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" of {low:g} or more"
    return f" of {high:g} or less" if high is not None else ""


def _number(setting: Setting, value: Any) -> int | float:
    whole = setting.kind == "int"
    accepts = f"{'a whole number' if whole else 'a number'}{_bounds(setting)}"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _refuse(setting, value, accepts)
    try:
        number = (int(value) if whole else float(value)) if isinstance(value, str) else value
    except ValueError:
        raise _refuse(setting, value, accepts) from None
    if whole and not isinstance(number, int):  # 9.5 in instance/config.py
        raise _refuse(setting, value, accepts)
    number = number if whole else float(number)
    low, high = setting.minimum, setting.maximum
    if (
        not math.isfinite(number)
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        raise _refuse(setting, value, accepts)
    return number


def _boolean(setting: Setting, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE or word in FALSE:
        return word in TRUE
    raise _refuse(setting, value, f"true or false ({', '.join(TRUE + FALSE)})")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _text(setting: Setting, value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse(setting, value, "text")
    kind = setting.kind
    if kind == "choice":
        word = value.strip().lower()
        if word not in setting.choices:
            raise _refuse(setting, value, f"one of {', '.join(setting.choices)}")
        return word
    if kind == "timezone":
        if value.strip() not in _time_zones():
            raise _refuse(setting, value, "an IANA time zone name such as Europe/Berlin")
        return value.strip()
    if kind == "url":
        try:
            parts = urlsplit(value.strip())
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 (raises on a port that is no number)
        except ValueError:
            valid = False
        if not valid or not value.strip().isprintable() or " " in value.strip():
            raise _refuse(setting, value, "an http:// or https:// address")
        return value.strip()
    if kind == "list":
        items = [item.strip() for item in value.split(",")]
        if any(not item.isprintable() or " " in item for item in items):
            raise _refuse(setting, value, "a comma-separated list of names without spaces")
        return ",".join(item for item in items if item)
    return value


def parse(setting: Setting, value: Any) -> Any:
    """``value`` (from the environment, ``instance/config.py`` or the factory's dict) as
    the setting's type; raise ``SettingError`` when it does not parse.

    None, and an empty string for a setting without a default, mean "not set".
    """
    if value is None or (setting.default is None and value == ""):
        return setting.default
    if setting.kind == "bool":
        return _boolean(setting, value)
    if setting.kind in ("int", "float"):
        return _number(setting, value)
    return _text(setting, value)
