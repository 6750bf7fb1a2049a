"""The ``hub`` command: a FlaskGroup bound to the factory, plus Hub's own commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from hub.errors import ValidationError


def _create_app() -> Flask:
    from hub import create_app
    from hub.logs import configure_logging
    from hub.settings import SettingError

    try:
        app = create_app()
    except SettingError as exc:  # a sentence for the operator, not a traceback
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
    from hub.login_links import login_link_for
    from hub.members import create_member

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
    from flask import current_app

    from hub import importer
    from hub.wording import plural

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
    from hub.settings import SettingError
    from mailer.smtp_tls import check_configured
    from mailer.smtpd import serve_forever

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
    from flask import current_app

    from digests.scheduler import run_forever
    from hub.database import upgrade_database

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
    from pathlib import Path

    from hub.ingest_file import ingest_file

    data = click.get_binary_stream("stdin").read() if path == "-" else Path(path).read_bytes()
    try:
        lines = ingest_file(data, recipient=recipient, mail_from=mail_from)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--check",
    "groups",
    multiple=True,
    type=click.Choice(["config", "dns", "relay", "listener", "web"]),
    help="Run only these groups of checks (repeatable; default: all).",
)
@click.option("--send-test", "send_to", metavar="ADDRESS", help="Also send one test message.")
@with_appcontext
def doctor_command(as_json: bool, groups: tuple[str, ...], send_to: str | None) -> None:
    """Check this installation: settings, DNS, relay, listener, web.

    Each check says ok, warning or problem, why, and the fix. Exits with 1 when a
    problem remains.
    """
    from email_validator import EmailNotValidError, validate_email
    from flask import current_app

    from mailer import doctor
    from mailer.doctor_net import send_test

    if send_to is not None:
        try:
            send_to = validate_email(send_to, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise click.BadParameter(str(exc), param_hint="--send-test") from exc
    context = doctor.Context(current_app.config, Path(current_app.instance_path))
    named = doctor.checks(current_app.config, groups or doctor.GROUPS)
    if send_to is not None:
        named.append(("send_test", lambda ctx: send_test(ctx, send_to)))
    results = doctor.run(context, named)
    click.echo(doctor.render_json(results) if as_json else doctor.render_text(results))
    raise SystemExit(doctor.exit_code(results))


dns_group = click.Group("dns", help="DNS records for Hub's mail.")


@dns_group.command("records")
@with_appcontext
def dns_records_command() -> None:
    """Print the zone-file lines to publish (MX, SPF, DKIM, DMARC) for the current settings."""
    from flask import current_app

    from mailer.dns_records import records

    config = current_app.config
    pem = None
    if config["HUB_DKIM_PRIVATE_KEY"]:
        try:
            pem = Path(config["HUB_DKIM_PRIVATE_KEY"]).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"HUB_DKIM_PRIVATE_KEY: {exc}") from exc
    for line in records(config, pem):
        click.echo(line)


dkim_group = click.Group("dkim", help="DKIM keys for signing Hub's mail.")


@dkim_group.command("generate")
@click.option("--selector", help="DKIM selector (default: HUB_DKIM_SELECTOR, else hub).")
@click.option("--domain", help="Signing domain (default: HUB_DKIM_DOMAIN, else the From domain).")
@click.option("--bits", type=click.IntRange(1024, 4096), default=2048, show_default=True)
@with_appcontext
def dkim_generate_command(selector: str | None, domain: str | None, bits: int) -> None:
    """Create a DKIM key pair under instance/dkim/ and print the record to publish.

    Changes no setting: it prints the settings to set. An existing key is never replaced.
    """
    from flask import current_app

    from mailer.dns_records import dkim_line, from_domain, generate_key

    config = current_app.config
    selector = selector or config["HUB_DKIM_SELECTOR"] or "hub"
    domain = (domain or config["HUB_DKIM_DOMAIN"] or from_domain(config)).lower().rstrip(".")
    if not selector.replace("-", "").replace(".", "").isalnum():
        raise click.BadParameter("letters, digits, - and . only", param_hint="--selector")
    path = Path(current_app.instance_path) / "dkim" / f"{selector}.pem"
    if path.exists():
        raise click.ClickException(f"{path} exists; choose another --selector.")
    pem = generate_key(bits)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as out:  # never overwrites, even if created meanwhile
        path.chmod(0o600)
        out.write(pem)
    click.echo(f"Wrote the private key to {path} (keep it secret, back it up).")
    click.echo("Set these settings (nothing was changed):")
    click.echo(f"  HUB_DKIM_DOMAIN={domain}")
    click.echo(f"  HUB_DKIM_SELECTOR={selector}")
    click.echo(f"  HUB_DKIM_PRIVATE_KEY={path}")
    click.echo("Publish this record:")
    key_config = {"HUB_DKIM_DOMAIN": domain, "HUB_DKIM_SELECTOR": selector}
    click.echo(dkim_line(key_config, pem))


class _PagesBar:
    """A progress bar for a database copy, whose length is known at its first step."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Copy the database, the secret key and the DKIM key into DEST, a new folder.

    Safe while the hub runs and receives mail: SQLite is copied from one snapshot
    with its backup API and checked with PRAGMA integrity_check; PostgreSQL is
    dumped with pg_dump. DEST is created; a DEST that holds anything is refused, so
    give each backup its own folder, for example:

    \b
        hub backup /var/backups/hub/$(date +%Y%m%d-%H%M%S)

    instance/config.py is copied too when there is one. DEST/manifest.json lists
    what was copied (size, SHA-256), when, and the schema revision. Exit
    status 0 means the backup is complete and checked; on any failure nothing is
    left in DEST.
    """
    from flask import current_app

    from hub.backup import NAMES, BackupError, create_backup

    bar = _PagesBar("Copying the database")
    try:
        outcome = create_backup(
            current_app.config, Path(current_app.instance_path), dest, progress=bar
        )
    except BackupError as exc:
        raise click.ClickException(f"{exc} No backup was made.") from exc
    finally:
        bar.close()
    manifest = outcome.manifest
    database = manifest["database"]
    click.echo(
        f"Copied the {NAMES[database['kind']]} database to {dest / database['file']} "
        f"(schema revision {manifest['schema_revision'] or 'none'}; {database['check']})."
    )
    if manifest["secret_key"]:
        click.echo(f"Copied the secret key to {dest / manifest['secret_key']}.")
    if manifest["dkim_key"]:
        dkim = manifest["dkim_key"]
        click.echo(f"Copied the DKIM key {dkim['source']} to {dest / dkim['file']}.")
    if manifest["config"]:
        click.echo(f"Copied config.py to {dest / manifest['config']}.")
    for note in outcome.notes:
        click.echo(f"Note: {note}")
    click.echo(f"Backup complete: {dest} (see {dest / 'manifest.json'}). Keep a copy elsewhere.")


#: Stands in for the secret key while ``hub restore`` reads the settings, so that reading
#: them does not generate a new key in the instance folder the backup's key goes into.
_RESTORE_KEY = "hub-restore-reads-settings-only"


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking first.")
def restore_command(src: Path, yes: bool) -> None:
    """Restore the backup in SRC (a folder made by hub backup) into this instance.

    This instance is the one the settings name (HUB_INSTANCE_DIR, HUB_DATABASE_URL).
    It must be new: no database (on PostgreSQL, HUB_DATABASE_URL names an
    empty database) and no secret key. Otherwise nothing is changed and the reason
    is shown. Lists what it will write and asks first (--yes does not ask); then
    checks the restored database and reports its schema revision. Start the hub
    afterwards: it upgrades an older schema itself.
    """
    from hub import create_app
    from hub.backup import BackupError
    from hub.health import migrations_head
    from hub.logs import configure_logging
    from hub.restore import Target, plan_restore, restore_backup
    from hub.settings import SettingError

    try:
        app = create_app({"SECRET_KEY": _RESTORE_KEY})
    except SettingError as exc:
        raise SystemExit(f"Hub cannot start: {exc}") from None
    configure_logging(app.config)
    config = app.config
    target = Target(
        database_url=config["HUB_DATABASE_URL"],
        instance_dir=Path(app.instance_path),
        secret_key_set=config["HUB_SECRET_KEY"] != _RESTORE_KEY,
        dkim_key_path=config["HUB_DKIM_PRIVATE_KEY"],
    )
    try:
        plan = plan_restore(src, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = plan.manifest
    click.echo(
        f"Backup of {manifest['created_at']} (schema revision {manifest['schema_revision']})."
    )
    for what, where in plan.steps:
        click.echo(f"  {what} -> {where}")
    if not yes:
        click.confirm("Restore it?", abort=True)
    bar = _PagesBar("Restoring the database")
    try:
        outcome = restore_backup(plan, progress=bar)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bar.close()
    restored = outcome.manifest["restored"]
    revision = restored["schema_revision"]
    click.echo(f"Restored: {restored['check']}, schema revision {revision or 'none'}.")
    head = ",".join(migrations_head())
    if revision != head:
        click.echo(
            f"This Hub's schema is at {head}: starting it (or hub db upgrade) upgrades "
            f"the restored database."
        )
    for note in outcome.notes:
        click.echo(f"Note: {note}")


def register_commands(app: Flask) -> None:
    from digests.cli import digest, prompt

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
    ):
        app.cli.add_command(command)


# Not an app command: the app is built inside, so that reading the settings does not
# generate a secret key where the backup's goes.
main.add_command(restore_command)
