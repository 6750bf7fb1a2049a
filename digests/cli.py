"""``hub digest preview|send`` and ``hub prompt send``."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from digests import compose
from digests.runs import preview_window, send_digests, send_prompts
from hub.extensions import db
from hub.members import find_member
from hub.models import Member, MemberRole
from mailer.backends import close_backend

digest = click.Group("digest", help="Preview and send the digest.")
prompt = click.Group("prompt", help="Send the weekly prompt.")


@digest.command("preview")
@click.option("--member", "email", default=None, help="Whose digest (default: the first admin).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="Which part of the message to print.",
)
@with_appcontext
def preview_command(email: str | None, fmt: str) -> None:
    """Print what a member's next digest would contain if it went out now."""
    if email:
        member = find_member(email)
        if member is None:
            raise click.ClickException(f"No member has the address {email}.")
    else:
        member = db.session.scalar(
            select(Member).where(Member.role == MemberRole.ADMIN).order_by(Member.id)
        ) or db.session.scalar(select(Member).order_by(Member.id))
        if member is None:
            raise click.ClickException("There are no members yet: add one with `hub members add`.")
    start, end = preview_window(member)
    content = compose.compose(member, start, end, seed=0)
    if content.empty:
        click.echo(
            f"{member.name}'s digest would be empty: no digest goes out for an empty period."
        )
        return
    message = compose.render(content)
    part = message.get_body(preferencelist=("plain",) if fmt == "text" else ("html",))
    click.echo(f"Subject: {message['Subject']}\nTo: {message['To']}\n")
    click.echo(part.get_content())


def _run_with_progress(label: str, run: Callable, dry_run: bool, noun: str) -> None:
    bar: dict[str, object] = {}

    def on_total(total: int) -> None:
        bar["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
        bar["bar"].__enter__()

    def progress(step: int) -> None:
        if "bar" in bar:
            bar["bar"].update(step)

    try:
        summary = run(manual=True, dry_run=dry_run, progress=progress, on_total=on_total)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
        close_backend(current_app)
    click.echo(summary.describe(noun, dry_run=dry_run))
    if summary.failed and not dry_run:
        raise SystemExit(1)


@digest.command("send")
@click.option(
    "--dry-run", is_flag=True, help="Build every message but send none and record nothing."
)
@with_appcontext
def send_command(dry_run: bool) -> None:
    """Send this period's digest now to every member who takes it and has not had it."""
    _run_with_progress("Sending digests", send_digests, dry_run, "digest")


@prompt.command("send")
@click.option(
    "--dry-run", is_flag=True, help="Build every message but send none and record nothing."
)
@with_appcontext
def prompt_send_command(dry_run: bool) -> None:
    """Send this week's prompt now to every member who takes it and has not had it."""
    _run_with_progress("Sending prompts", send_prompts, dry_run, "prompt")
