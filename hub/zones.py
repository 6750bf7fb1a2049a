"""The time zones offered in forms: current canonical zones, grouped by region.

``zoneinfo.available_timezones()`` holds about 600 names, many of them deprecated aliases
("US/Pacific", "Asia/Calcutta", "GB"). Forms offer the zones of the tz database's
``zone.tab`` instead (one or more per country, "Europe/Oslo" included), grouped by region,
with the network's default and the member's own zone first; a browser script adds the
browser's zone there too. Any valid name is still accepted (``hub.members.check_timezone``),
so a member whose zone is an alias keeps it, offered first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

SYSTEM_TAB = Path("/usr/share/zoneinfo/zone.tab")

#: The tz database's regions, as a reader of the list names them.
REGION_NAMES = {
    "Africa": _l("Africa"),
    "America": _l("America"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific"),
}


@dataclass(frozen=True)
class ZoneGroup:
    label: str
    zones: tuple[tuple[str, str], ...]  # (IANA name, what the list shows)
    first: bool = False


def _zone_tab() -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return SYSTEM_TAB.read_text("utf-8") if SYSTEM_TAB.exists() else ""


@cache
def canonical_zones() -> tuple[str, ...]:
    """The zones of ``zone.tab`` that this machine knows, sorted, and UTC."""
    known = available_timezones()
    names = {
        line.split("\t")[2].strip()
        for line in _zone_tab().splitlines()
        if line and not line.startswith("#") and line.count("\t") >= 2
    }
    return tuple(sorted(name for name in names if name in known)) + ("UTC",)


def label(zone: str) -> str:
    """ "America/Argentina/Buenos_Aires" -> "Argentina / Buenos Aires" (its region is the group)."""
    _, _, place = zone.partition("/")
    return (place or zone).replace("_", " ").replace("/", " / ")


def zone_groups(current: str, default: str) -> list[ZoneGroup]:
    """The groups of a time-zone list: first the member's and the network's zone, then each
    region's zones."""
    notes: dict[str, list[str]] = {}
    for zone, note in ((current, _("your zone now")), (default, _("the network's default"))):
        if zone:
            notes.setdefault(zone, []).append(note)
    first = [
        (zone, f"{zone.replace('_', ' ')} ({', '.join(said)})") for zone, said in notes.items()
    ]
    groups = [ZoneGroup(_("Suggested"), tuple(first), first=True)]
    regions: dict[str, list[tuple[str, str]]] = {}
    for zone in canonical_zones():
        region = zone.split("/", 1)[0] if "/" in zone else _("Other")
        regions.setdefault(region, []).append((zone, label(zone)))
    groups += [
        ZoneGroup(str(REGION_NAMES.get(region, region)), tuple(zones))
        for region, zones in sorted(regions.items())
    ]
    return groups
