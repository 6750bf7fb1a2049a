"""Organisational domains from the Public Suffix List, and what they change: DKIM alignment
for mail to post@ and ``hub doctor``'s DMARC checks, for domains under two-label public
suffixes (``co.uk``, ``ac.at``)."""

from __future__ import annotations

import pytest

from mailer.authresults import aligned, authenticated
from mailer.org_domain import is_public_suffix, org_domain

TRUSTED = ["mx.hub.example.net"]


@pytest.mark.parametrize(
    ("name", "organisation"),
    [
        ("example.co.uk", "example.co.uk"),
        ("hub.example.co.uk", "example.co.uk"),
        ("cs.uni-xyz.ac.at", "uni-xyz.ac.at"),
        ("Mail.Uni-XYZ.AC.AT.", "uni-xyz.ac.at"),
        ("hub.network.example", "network.example"),  # no listed suffix: the default rule
        ("lists.example.org", "example.org"),
        ("co.uk", "co.uk"),
    ],
)
def test_organisational_domains(name, organisation):
    assert org_domain(name) == organisation


def test_public_suffixes_are_known_offline():
    assert is_public_suffix("co.uk") and is_public_suffix("ac.at") and is_public_suffix("org")
    assert not is_public_suffix("example.co.uk") and not is_public_suffix("uni-xyz.ac.at")


@pytest.mark.parametrize(
    ("signer", "sender", "expected"),
    [
        ("example.co.uk", "example.co.uk", True),
        ("example.co.uk", "hub.example.co.uk", True),
        ("uni-xyz.ac.at", "cs.uni-xyz.ac.at", True),
        ("co.uk", "example.co.uk", False),  # a public suffix signs for nobody
        ("ac.at", "uni-xyz.ac.at", False),
        ("co.uk", "co.uk", False),
        ("other.co.uk", "example.co.uk", False),
        ("cs.uni-xyz.ac.at", "uni-xyz.ac.at", False),  # a subdomain never for its parent
    ],
)
def test_dkim_alignment_under_two_label_suffixes(signer, sender, expected):
    assert aligned(signer, sender) is expected


def test_a_dkim_pass_by_the_public_suffix_does_not_prove_a_co_uk_sender():
    header = "mx.hub.example.net; dkim=pass header.d=co.uk header.s=s1"
    ok, why = authenticated([header], "ann@example.co.uk", TRUSTED)
    assert (
        not ok and why == "no DMARC or aligned DKIM pass for example.co.uk from mx.hub.example.net"
    )
    header = "mx.hub.example.net; dkim=pass header.d=example.co.uk header.s=s1"
    assert authenticated([header], "ann@hub.example.co.uk", TRUSTED) == (
        True,
        "aligned DKIM pass for hub.example.co.uk from mx.hub.example.net",
    )
