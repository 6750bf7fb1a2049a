"""Score ``mailer.replies.trim_reply`` on the public reply-trimming corpora.

Usage: .venv/bin/python bench/replies.py [--corpora PATH] [--verbose]

Each corpus folder holds ``NAME.input.txt`` / ``NAME.expected.txt`` pairs. A
case passes when output and expected text are equal after normalisation (line
endings, trailing whitespace per line, leading/trailing blank lines), as the
corpora README specifies. Scores are per corpus; they are never pooled because
the corpora follow different conventions.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer.replies import trim_reply  # noqa: E402

CORPORA = (
    "email_reply_trimmer",
    "email_reply_parser",
    "email_reply_parser/inferred",
    "talon",
    "talon/signature",
)


def normalise(text: str | None) -> str:
    """The corpora README's reference normalisation."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and lines[0] == "":
        lines.pop(0)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def run_case(source: str) -> tuple[str | None, float]:
    started = time.perf_counter()
    try:
        result: str | None = trim_reply(source)
    except Exception as error:  # a crash fails the case, it must not stop the bench
        result = None
        print(f"    error: {error!r}")
    return result, time.perf_counter() - started


def score(folder: Path, verbose: bool) -> tuple[int, int, float]:
    """Score one corpus folder (its top level only); return passed, total, seconds."""
    passed = total = 0
    elapsed = 0.0
    failures: list[tuple[str, str, str]] = []
    for source in sorted(folder.glob("*.input.txt")):
        name = source.name.removesuffix(".input.txt")
        expected_path = folder / f"{name}.expected.txt"
        if not expected_path.exists():
            continue
        total += 1
        got, seconds = run_case(read(source))
        elapsed += seconds
        want = normalise(read(expected_path))
        if got is not None and normalise(got) == want:
            passed += 1
        else:
            failures.append((name, want, normalise(got)))
    if verbose:
        for name, want, got in failures:
            print(f"  FAIL {name}")
            diff = difflib.unified_diff(
                want.split("\n"), got.split("\n"), "expected", "got", lineterm=""
            )
            for line in diff:
                print(f"    {line}")
    return passed, total, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpora",
        type=Path,
        default=ROOT.parent / "shared" / "corpora",
        help="folder holding the corpora (default: ../shared/corpora from the repo root)",
    )
    parser.add_argument("--verbose", action="store_true", help="list failing cases with a diff")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        parser.error(f"no corpora folder at {args.corpora}")
    for corpus in CORPORA:
        folder = args.corpora / corpus
        if not folder.is_dir():
            print(f"{corpus}: missing")
            continue
        passed, total, elapsed = score(folder, args.verbose)
        percent = 100.0 * passed / total if total else 0.0
        per_case = 1000.0 * elapsed / total if total else 0.0
        print(f"{corpus}: accuracy {passed}/{total} ({percent:.1f}%), {per_case:.2f} ms per case")
    return 0


if __name__ == "__main__":
    sys.exit(main())
