"""Numbers from URLs (ids in routes, pages and ids in query strings), bounded to what the
database holds. Hub's id columns are INTEGER: 32 bits on PostgreSQL, which refuses a larger
value ("integer out of range"), and SQLite's driver cannot pass one beyond 64 bits, so an
unchecked number became a 500; here it is a 404 (route) or a 400 (query string)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter

from hub.timeline import Cursor

MAX_ID = 2**31 - 1  # the largest id PostgreSQL's INTEGER column holds
MAX_PAGE = 10**6  # times a page size, still an offset that fits an INTEGER
TOO_LARGE = "That number is too large: there is nothing that far."


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 1 to 10 digits, at most ``MAX_ID``. A longer or
    larger number matches no route, so it is a 404 like any unknown id."""

    regex = r"\d{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _bounded(text: str, maximum: int) -> int:
    if len(text) > len(str(maximum)) or int(text) > maximum:
        abort(400, TOO_LARGE)
    return int(text)


def query_int(name: str, default: int | None = None, *, maximum: int = MAX_ID) -> int | None:
    """The number ``?name=`` gives: ``default`` when absent or not a number (as before),
    400 when it is a number beyond ``maximum``."""
    text = request.args.get(name, "").strip()
    if not text.isascii() or not text.isdigit():
        return default
    return _bounded(text, maximum)


def page_number() -> int:
    """``?page=``, from 1."""
    return max(1, query_int("page", 1, maximum=MAX_PAGE) or 1)


def cursor_arg(name: str = "before") -> Cursor | None:
    """The board's page cursor (``timeline.Cursor``); 400 when its id is out of range.

    A cursor that is not one at all still means "from the start", as ``decode`` says.
    """
    text = request.args.get(name)
    ident = (text or "").rpartition("_")[2].removeprefix("-")
    if ident.isascii() and ident.isdigit():
        _bounded(ident, MAX_ID)
    return Cursor.decode(text)
