"""The ``hub`` command: a FlaskGroup bound to the factory, plus Hub's own commands."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from digests.cli import digest, prompt
from digests.scheduler import run_forever
from hub import NotInstalled, catalogues, create_app, importer
from hub.database import upgrade_database
from hub.demo import seed_demo
from hub.errors import ValidationError
from hub.login_links import login_link_for
from hub.logs import configure_logging
from hub.members import create_member
from hub.search_cli import search_command
from hub.settings import SettingError
from hub.wording import plural
from mailer.ingest_file import ingest_file
from mailer.smtp_tls import check_configured
from mailer.smtpd_processes import serve_forever
from wiring.cli_operations import (
    backup_command,
    dkim_group,
    dns_group,
    doctor_command,
    restore_command,
)


def _create_app() -> Flask:
    try:
        app = create_app()
    except (SettingError, NotInstalled) as exc:  # a sentence for the operator, not a traceback
        raise SystemExit(f"Hub cannot start: {exc}") from None
    configure_logging(app.config)
    return app


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Hub: an email-and-digest community hub.

    Run `hub COMMAND --help` for the options of a command.
    """


members = click.Group("members", help="Add and manage members from the shell.")


@members.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The member's full name.")
@click.option("--org", "organisation", default="", help="Their organisation.")
@click.option(
    "--role",
    type=click.Choice(["member", "moderator", "admin"]),
    default="member",
    show_default=True,
    help="What they may do.",
)
@with_appcontext
def members_add(email: str, name: str, organisation: str, role: str) -> None:
    """Add a member with address EMAIL and print a login link for them."""
    try:
        member = create_member(email, name, organisation=organisation, role=role)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Added {member.name} <{member.email}> as {member.role}.")
    click.echo(f"Login link (valid once): {login_link_for(member)}")


@members.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invite", is_flag=True, help="Send each new member an invitation to accept.")
@click.option("--dry-run", is_flag=True, help="Show the preview only; change nothing.")
@with_appcontext
def members_import(file: Path, invite: bool, dry_run: bool) -> None:
    """Import members from FILE.csv (columns name, email, organisation[, title, interests]).

    Shows what the file holds first (new, already members, invalid rows with the
    reason, rows repeated in the file); running it twice adds nobody twice.
    """
    config = current_app.config
    try:
        preview = importer.read_csv(file.read_bytes(), max_rows=config["HUB_IMPORT_MAX_ROWS"])
    except importer.ImportFileError as exc:
        raise click.ClickException(f"{file.name}: {exc} Nothing was imported.") from exc
    counts = preview.counts
    click.echo(
        f"{file.name}: {plural(counts['rows'], 'row')}: {plural(counts['new'], 'new member')}, "
        f"{plural(counts['existing'], 'already a member', 'already members')}, "
        f"{plural(counts['invalid'], 'invalid row')}, "
        f"{plural(counts['duplicates'], 'row')} repeated in the file."
    )
    for problem in preview.invalid[:20] + preview.duplicates[:20]:
        click.echo(f"  line {problem.line}: {problem.reason}")
    if dry_run or not preview.new:
        click.echo("Nothing imported." if not preview.new else "Dry run: nothing imported.")
        return
    with click.progressbar(length=len(preview.new), label="Importing") as bar:
        result = importer.apply(
            preview,
            None,
            invite=invite,
            default_timezone=config["HUB_DEFAULT_TIMEZONE"],
            progress=bar.update,
        )
    invited = f", sent {plural(result.invited, 'invitation')}" if invite else ""
    click.echo(
        f"Imported {plural(result.added, 'new member')}{invited}; skipped "
        f"{plural(result.skipped, 'person who is a member', 'people who are members')} "
        "already, "
        f"{plural(counts['invalid'], 'invalid row')} and "
        f"{plural(counts['duplicates'], 'repeated row')}."
    )


@click.command("demo")
@click.option(
    "--locale",
    type=click.Choice(["en", "de"]),
    default="en",
    show_default=True,
    help="en: an English-speaking network; de: a German-speaking one, reading Hub in German.",
)
@with_appcontext
def demo_command(locale: str) -> None:
    """Seed a demo network (members, three weeks of updates); safe to run twice."""
    admin, created = seed_demo(progress=lambda text: click.echo(text), locale=locale)
    click.echo(
        "Demo network seeded." if created else "Demo network already present; nothing added."
    )
    click.echo(f"Log in as the demo admin ({admin.email}): {login_link_for(admin)}")


@click.command("smtpd")
@with_appcontext
def smtpd_command() -> None:
    """Run the SMTP listener that turns email replies into posts."""
    app = current_app._get_current_object()
    try:
        check_configured(app.config)  # the STARTTLS files, before anything starts
    except SettingError as exc:  # a sentence, not a traceback
        raise SystemExit(f"Hub cannot start: {exc}") from None
    upgrade_database(app)
    serve_forever(app)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler that sends the weekly prompt and digest."""
    app = current_app._get_current_object()
    upgrade_database(app)
    run_forever(app)


@click.command("ingest")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--to", "recipient", help="Hub address it was sent to (default: from the headers).")
@click.option("--from", "mail_from", default="", help="Envelope sender (default: From).")
@with_appcontext
def ingest_command(path: str, recipient: str | None, mail_from: str) -> None:
    """Feed one stored message (an .eml file, or - for stdin) through ingest.

    Running it again on the same message never posts twice.
    """
    data = click.get_binary_stream("stdin").read() if path == "-" else Path(path).read_bytes()
    try:
        lines = ingest_file(data, recipient=recipient, mail_from=mail_from)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)


def register_commands(app: Flask) -> None:
    for command in (
        members,
        demo_command,
        smtpd_command,
        scheduler_command,
        ingest_command,
        doctor_command,
        dns_group,
        dkim_group,
        backup_command,
        digest,
        prompt,
        search_command,
    ):
        app.cli.add_command(command)


# Not an app command: the app is built inside, so that reading the settings does not
# generate a secret key where the backup's goes.
main.add_command(restore_command)


translations_group = click.Group(
    "translations", help="Hub's translation catalogues (hub/translations)."
)


@translations_group.command("extract")
def translations_extract() -> None:
    """Collect the marked strings into hub/translations/messages.pot."""
    click.echo(f"Wrote {catalogues.extract()}")


@translations_group.command("update")
def translations_update() -> None:
    """Extract, then merge the new strings into every language's messages.po."""
    catalogues.extract()
    catalogues.update()
    click.echo("Updated the catalogues; translate the new and fuzzy entries, then compile.")


@translations_group.command("compile")
def translations_compile() -> None:
    """Write messages.mo from each messages.po (the files Hub reads; kept in git)."""
    catalogues.compile_all()
    click.echo("Compiled the catalogues.")


@translations_group.command("check")
def translations_check() -> None:
    """Fail when a German entry is missing, empty or fuzzy, or a messages.mo is stale."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = catalogues.extract(Path(tmp) / "messages.pot")
        missing = catalogues.missing_from_catalogue(pot)
    problems = [f"de: not in the catalogue: {m!r}" for m in missing]
    problems += [f"{p.locale}: {p.text}" for p in catalogues.check()]
    for line in problems:
        click.echo(line)
    if problems:
        raise SystemExit(1)
    click.echo("The catalogues are complete and compiled.")


# Needs no app: it works on the source tree.
main.add_command(translations_group)
