"""``hub search QUERY`` (what a member would find, for admins at the console) and
``hub search reindex`` (rebuild the full-text index from the tables)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hub import search, search_index
from hub.extensions import db


def _plain(parts: list[tuple[str, bool]]) -> str:
    return "".join(f"*{text}*" if hit else text for text, hit in parts)


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@with_appcontext
def search_command(query: tuple[str, ...], limit: int) -> None:
    """Search updates, replies and people as a member would; `hub search reindex` rebuilds
    the index (to search for the word itself, quote it: hub search '"reindex"')."""
    if query == ("reindex",):
        search_index.reindex(db.session.connection())
        db.session.commit()
        click.echo("Search index rebuilt.")
        return
    found = search.search(" ".join(query), limit=limit)
    if not found.query:
        raise click.UsageError("Give at least one word to find (-word only leaves words out).")
    for hit in found.people:
        details = search.excerpt_parts(
            " · ".join(filter(None, (hit.member.title, hit.member.organisation))),
            found.query,
            prefix=True,
        )
        click.echo(f"person  {hit.member.name} <{hit.member.email}>  {_plain(details)}".rstrip())
    for hit in found.posts:
        post = hit.post
        kind = "reply " if post.parent_id else "update"
        parts = search.excerpt_parts(post.body, found.query)
        click.echo(
            f"{kind}  {post.created_at:%Y-%m-%d}  #{post.id}  {post.author.name}: {_plain(parts)}"
        )
    if not found.people and not found.posts:
        click.echo("Nothing found.")
    elif found.next_cursor:
        click.echo(f"(more than {limit} updates; use --limit to see more)")
