"""The legal links (imprint, privacy) every page and every mail carries, in one place.

An operator in Germany must link an imprint (Impressum) from every page; mail that a member
may read without ever opening the site carries the same links in its footer. Hub's own
short privacy page is always there; ``HUB_PRIVACY_URL`` adds the operator's full policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from hub.urls import external_url


@dataclass(frozen=True)
class LegalLink:
    label: str
    url: str


def legal_links(config: Any, *, absolute: bool = False) -> list[LegalLink]:
    """The imprint, the operator's privacy policy (each when set) and Hub's own page.

    ``absolute``: full addresses from ``HUB_BASE_URL``, for mail.
    """
    own = _own_page_url() if absolute else url_for("legal.privacy")
    links = []
    if config["HUB_IMPRINT_URL"]:
        links.append(LegalLink(_("Imprint"), config["HUB_IMPRINT_URL"]))
    if config["HUB_PRIVACY_URL"]:
        links.append(LegalLink(_("Privacy policy"), config["HUB_PRIVACY_URL"]))
    links.append(LegalLink(_("What Hub stores"), own))
    return links


def text_footer(links: list[LegalLink]) -> str:
    """The links as the last lines of a plain-text mail."""
    return "\n".join(f"{link.label}: {link.url}" for link in links)


def _own_page_url() -> str:
    """The privacy page's full address, built once per app and base URL (every mail of a
    digest run needs it)."""
    base = current_app.config["HUB_BASE_URL"]
    cache = current_app.extensions.setdefault("hub_privacy_url", {})
    if base not in cache:
        cache[base] = external_url("legal.privacy")
    return cache[base]
