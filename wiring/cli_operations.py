"""``hub`` commands for running an installation: doctor, DNS records, DKIM keys, backup
and restore. (The everyday commands are ``wiring.cli``, which registers these.)
"""

from __future__ import annotations

from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from hub import create_app
from hub.backup import NAMES, BackupError, create_backup
from hub.health import migrations_head
from hub.logs import configure_logging
from hub.restore import Target, plan_restore, restore_backup
from hub.settings import SettingError
from mailer import doctor
from mailer.dns_records import dkim_line, from_domain, generate_key, records
from mailer.doctor_net import send_test


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


#: Stands in for the secret key while ``hub restore`` reads the settings, so that reading
#: them does not generate a new key in the instance folder the backup's key goes into.
_RESTORE_KEY = "hub-restore-reads-settings-only"


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
