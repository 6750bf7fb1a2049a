"""The catalogues: every marked string translated into German, the .mo files compiled."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub import catalogues


def test_every_marked_string_is_in_the_german_catalogue(tmp_path):
    pot = catalogues.extract(tmp_path / "messages.pot")
    assert catalogues.missing_from_catalogue(pot) == []


def test_german_is_complete_and_every_catalogue_is_compiled():
    assert catalogues.check() == []


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    po = tmp_path / "messages.po"
    mo = tmp_path / "messages.mo"
    shutil.copy(catalogues.po_path("de"), po)
    shutil.copy(catalogues.mo_path("de"), mo)
    return po, mo


def test_a_fuzzy_or_empty_entry_or_a_stale_mo_is_named(tmp_path):
    po, mo = _copy(tmp_path)
    assert catalogues.catalogue_problems(po, mo, complete=True) == []
    text = po.read_text()
    saved = 'msgid "Your settings are saved."'
    text = text.replace(saved, f"#, fuzzy\n{saved}")
    text = text.replace('msgid "yesterday"\nmsgstr "gestern"', 'msgid "yesterday"\nmsgstr ""')
    po.write_text(text)
    problems = catalogues.catalogue_problems(po, mo, complete=True)
    assert "fuzzy: 'Your settings are saved.'" in problems
    assert "not translated: 'yesterday'" in problems
    assert any("stale" in p for p in problems)


def test_a_missing_mo_is_named(tmp_path):
    po, mo = _copy(tmp_path)
    mo.unlink()
    assert catalogues.catalogue_problems(po, mo, complete=False) == ["messages.mo is missing"]
