"""``python app.py``: the web server, SMTP listener and scheduler in one process.

Account mail the web pages queue (login links, invitations, ...) is sent by a thread of
``mailer.queue_sender``, woken the moment a request commits it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from flask import Flask
from waitress.server import create_server

from digests.scheduler import start_background
from hub.database import upgrade_database
from hub.demo import seed_demo
from hub.login_links import login_link_for, setup_link
from hub.logs import configure_logging
from mailer.queue_sender import QueueSender
from mailer.smtp_tls import check_configured
from mailer.smtpd_service import make_controller

log = logging.getLogger("hub")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Run Hub on one machine: web server, SMTP listener and scheduler.",
    )
    parser.add_argument("--demo", action="store_true", help="seed a demo network first (once)")
    return parser.parse_args(argv)


def _interrupt(*_args: object) -> None:
    """SIGTERM stops the hub the same way Ctrl-C does."""
    raise KeyboardInterrupt


def run_all(app: Flask, argv: list[str] | None = None) -> None:
    """Start all three parts; Ctrl-C or SIGTERM stops them cleanly.

    Raises ``hub.settings.SettingError`` before starting anything when the listener's
    STARTTLS files cannot be used (``app.py`` prints it as one sentence).
    """
    args = _parse(sys.argv[1:] if argv is None else argv)
    configure_logging(app.config)
    if app.config["HUB_RUN_SMTPD"]:
        check_configured(app.config)  # the STARTTLS files: SettingError before anything starts
    upgrade_database(app)
    with app.app_context():
        if args.demo:
            # In the network's default language: HUB_DEFAULT_LOCALE=de seeds the German one.
            admin, created = seed_demo(progress=log.info, locale=app.config["HUB_DEFAULT_LOCALE"])
            log.info("demo network %s", "seeded" if created else "already present")
            print(f"\n  Log in as the demo admin ({admin.email}):\n  {login_link_for(admin)}\n")
        elif link := setup_link():
            print(f"\n  No admin yet. Open this link to become the first admin:\n  {link}\n")

    config = app.config
    controller = scheduler = None
    queue_sender = QueueSender(app).start()
    if config["HUB_RUN_SMTPD"]:
        controller = make_controller(app)
        controller.start()
        log.info("SMTP listener on %s:%s", config["HUB_SMTP_HOST"], config["HUB_SMTP_PORT"])
    if config["HUB_RUN_SCHEDULER"]:
        scheduler = start_background(app)

    server = create_server(
        app,
        host=config["HUB_HTTP_HOST"],
        port=config["HUB_HTTP_PORT"],
        threads=config["HUB_HTTP_THREADS"],
    )
    signal.signal(signal.SIGTERM, _interrupt)
    log.info("web server on %s", config["HUB_BASE_URL"])
    address = f"http://{config['HUB_HTTP_HOST']}:{config['HUB_HTTP_PORT']}/"
    print(f"  {config['HUB_NAME']} is running at {address}  (Ctrl-C stops it)\n")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        server.close()
        if controller is not None:
            controller.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        queue_sender.stop()
        log.info("stopped")
