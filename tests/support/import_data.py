"""A realistic mailing-list export for the import tests, built with known numbers.

The file looks like what list tools export: a UTF-8 byte-order mark, Windows line
endings, the tool's own header names (``Email Address``, ``Full Name``, ``Company``,
``Tags``) plus columns Hub ignores, quoted commas, non-ASCII names, and the usual mess:
addresses listed twice (in another case), broken addresses, empty cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

FIRST = ["Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Fatou", "Günter", "Hana", "Iñigo", "Zoë"]
LAST = ["Osei", "Müller", "Rossi", "Ivanov", "Yılmaz", "Diallo", "Schäfer", "Sato", "Ortiz"]
ORGS = ["Northwind Labs", "Acme, Inc.", "Fabrik Süd GmbH", "Blue Harbour", "Université Libre"]
BAD_ADDRESSES = [
    "no-at-sign.example.org",
    "double@@example.org",
    "trailing@",
    "@example.org",
    "spa ce@example.org",
]


@dataclass(frozen=True)
class Export:
    data: bytes
    existing: list[str]  # addresses to create as members before importing
    new: int
    already: int
    invalid: int
    duplicates: int
    rows: int


def build(rows: int = 2000, existing: int = 30, duplicates: int = 40, invalid: int = 50) -> Export:
    new = rows - existing - duplicates - invalid
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Email Address", "Full Name", "Company", "Title", "Tags", "Subscribed At"])

    def person(n: int) -> list[str]:
        name = f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]} {n}"
        return [
            f"Person.{n}@Example.org" if n % 7 == 0 else f"person.{n}@example.org",
            name,
            ORGS[n % len(ORGS)],
            "Engineer" if n % 3 == 0 else "",
            "energy; batteries" if n % 5 == 0 else "",
            "2024-03-01 10:00",
        ]

    lines: list[list[str]] = []
    for n in range(new):
        lines.append(person(n))
    existing_addresses = [f"member.{n}@example.org" for n in range(existing)]
    for n, address in enumerate(existing_addresses):
        lines.append([address.upper(), f"Known Member {n}", "Old Co", "", "", ""])
    for n in range(duplicates):  # an earlier row again, address in another case and padded
        again = person(n * 11)
        again[0] = f"  {again[0].upper()} "
        lines.append(again)
    for n in range(invalid):
        kind = n % 3
        if kind == 0:
            lines.append([BAD_ADDRESSES[n % len(BAD_ADDRESSES)], f"Broken {n}", "X", "", "", ""])
        elif kind == 1:
            lines.append(["", f"No Address {n}", "X", "", "", ""])
        else:
            lines.append([f"noname.{n}@example.org", "", "X", "", "", ""])
    # Interleave so that repeats and problems are spread through the file.
    lines = lines[::2] + lines[1::2]
    lines.sort(key=lambda row: row[0].startswith("  "))  # repeats after their originals
    for row in lines:
        writer.writerow(row)
    data = "\ufeff".encode() + out.getvalue().encode("utf-8")
    assert data.count(b"\r\n") == rows + 1
    return Export(data, existing_addresses, new, existing, invalid, duplicates, rows)
