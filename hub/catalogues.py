"""The translation catalogues: extracting, updating, compiling and checking them.

Hub's strings are English in the source; ``hub/translations/<locale>/LC_MESSAGES/messages.po``
holds each language's translations, and the compiled ``messages.mo`` beside it is what
Flask-Babel reads. The ``.mo`` files are kept in git, so a fresh clone runs without a build
step; ``check`` (run by the test suite) says when one is missing, stale, or incomplete.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from hub.i18n import LOCALES, TRANSLATIONS

ROOT = TRANSLATIONS.parent.parent
TEMPLATE = TRANSLATIONS / "messages.pot"
KEYWORDS = ("_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "lazy_ngettext:1,2")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def extract(target: Path = TEMPLATE) -> Path:
    """Collect every marked string of the code and templates into ``messages.pot``."""
    keywords = [arg for word in KEYWORDS for arg in ("-k", word)]
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *keywords,
        "--no-location",
        "--sort-output",
        "--project=Hub",
        "-o",
        str(target),
        str(ROOT),
    )
    return target


def update() -> None:
    """Merge ``messages.pot`` into every language's catalogue (new ones are created)."""
    for locale in LOCALES:
        command = "update" if po_path(locale).exists() else "init"
        _pybabel(command, "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", locale)


def compile_all() -> None:
    """Write each ``messages.mo`` from its ``messages.po`` (fuzzy entries left out)."""
    for locale in LOCALES:
        with po_path(locale).open("rb") as source:
            catalog = read_po(source, locale=locale)
        with mo_path(locale).open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)


@dataclass(frozen=True)
class Problem:
    locale: str
    text: str


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _entries(compiled: io.BufferedIOBase) -> dict:
    """msgid -> msgstr of a compiled catalogue (plural forms as tuples)."""
    return {_frozen(m.id): _frozen(m.string) for m in read_mo(compiled) if m.id}


def _compiled(catalog) -> dict:  # noqa: ANN001
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    out.seek(0)
    return _entries(out)


def check(*, complete: tuple[str, ...] = ("de",)) -> list[Problem]:
    """What is wrong with the catalogues: a ``.mo`` that does not match its ``.po``, and in
    each language of ``complete`` an entry that is missing, empty or fuzzy."""
    problems: list[Problem] = []
    for locale in LOCALES:
        found = catalogue_problems(po_path(locale), mo_path(locale), complete=locale in complete)
        problems += [Problem(locale, text) for text in found]
    return problems


def catalogue_problems(po: Path, mo: Path, *, complete: bool) -> list[str]:
    """One language's problems: ``mo`` missing or not compiled from ``po``; with
    ``complete``, each entry of ``po`` that is untranslated (or a plural form of it) or
    fuzzy (fuzzy entries are left out of the compiled file: the page would be English)."""
    with po.open("rb") as source:
        catalog = read_po(source)
    problems: list[str] = []
    if not mo.exists():
        problems.append(f"{mo.name} is missing")
    else:
        with mo.open("rb") as compiled:
            if _entries(compiled) != _compiled(catalog):
                problems.append(f"{mo.name} is stale: run `hub translations compile`")
    if not complete:
        return problems
    for message in catalog:
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        elif not all(strings):
            problems.append(f"not translated: {label!r}")
    return problems


def missing_from_catalogue(template: Path = TEMPLATE, locale: str = "de") -> list[str]:
    """msgids of ``messages.pot`` that the language's catalogue does not have at all."""
    with template.open("rb") as source:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    with po_path(locale).open("rb") as source:
        have = {
            m.id if isinstance(m.id, str) else m.id[0]
            for m in read_po(source, locale=locale)
            if m.id
        }
    return sorted(wanted - have)
