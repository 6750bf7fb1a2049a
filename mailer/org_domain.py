"""The organisational domain of a name (DMARC, RFC 7489 section 3.2), from the Public
Suffix List.

The organisational domain is the public suffix of a name plus one label: ``example.co.uk``
for ``hub.example.co.uk``, ``uni-xyz.ac.at`` for ``cs.uni-xyz.ac.at``. Taking the last two
labels instead would make ``co.uk`` one organisation, so that any ``.co.uk`` domain's
signature would align with any other's. The list is the one bundled with the
``publicsuffixlist`` package: nothing is fetched at run time, and a Hub upgrade (``pip
install``) brings a newer list. A name under no listed suffix falls under the list's
default rule (its last label is the suffix), so ``hub.network.example`` belongs to
``network.example``.
"""

from __future__ import annotations

import functools

from publicsuffixlist import PublicSuffixList


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # reads the bundled list once, some 10,000 rules


def _name(name: str) -> str:
    return name.strip().lower().rstrip(".")


def is_public_suffix(name: str) -> bool:
    """Whether nobody owns ``name`` below the registries (``co.uk``, ``org``, ``ac.at``).

    >>> is_public_suffix("co.uk"), is_public_suffix("example.co.uk")
    (True, False)
    """
    return _suffixes().is_public(_name(name))


def org_domain(name: str) -> str:
    """The organisational domain of ``name``; a public suffix is its own.

    >>> org_domain("hub.example.co.uk"), org_domain("cs.uni-xyz.ac.at")
    ('example.co.uk', 'uni-xyz.ac.at')
    >>> org_domain("Hub.Network.Example."), org_domain("co.uk")
    ('network.example', 'co.uk')
    """
    name = _name(name)
    return _suffixes().privatesuffix(name) or name
