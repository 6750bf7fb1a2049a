"""The ``hub`` command: a FlaskGroup bound to the factory, plus Hub's own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from hub.errors import ValidationError


def _create_app() -> Flask:
    from hub import create_app

    return create_app()


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
    from hub.login_links import login_link_for
    from hub.members import create_member

    try:
        member = create_member(email, name, organisation=organisation, role=role)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Added {member.name} <{member.email}> as {member.role}.")
    click.echo(f"Login link (valid once): {login_link_for(member)}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed a demo network (members, three weeks of updates); safe to run twice."""
    from hub.demo import seed_demo

    admin, created = seed_demo(progress=lambda text: click.echo(text))
    click.echo(
        "Demo network seeded." if created else "Demo network already present; nothing added."
    )
    from hub.login_links import login_link_for

    click.echo(f"Log in as the demo admin ({admin.email}): {login_link_for(admin)}")


@click.command("smtpd")
@with_appcontext
def smtpd_command() -> None:
    """Run the SMTP listener that turns email replies into posts."""
    from flask import current_app

    from hub.database import upgrade_database
    from mailer.smtpd import serve_forever

    app = current_app._get_current_object()
    upgrade_database(app)
    serve_forever(app)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler that sends the weekly prompt and digest."""
    from flask import current_app

    from digests.scheduler import run_forever
    from hub.database import upgrade_database

    app = current_app._get_current_object()
    upgrade_database(app)
    run_forever(app)


def register_commands(app: Flask) -> None:
    from digests.cli import digest, prompt

    for command in (members, demo_command, smtpd_command, scheduler_command, digest, prompt):
        app.cli.add_command(command)
