"""Hub's WSGI app (``app:app``) and the all-in-one runner (``python app.py [--demo]``)."""

import sys

from hub import NotInstalled, create_app
from hub.logs import configure_logging
from hub.settings import SettingError

try:
    app = create_app()
except (SettingError, NotInstalled) as exc:  # a sentence for the operator, not a traceback
    sys.exit(f"Hub cannot start: {exc}")
configure_logging(app.config)

if __name__ == "__main__":
    from wiring.runner import run_all

    try:
        run_all(app)
    except SettingError as exc:  # the listener's STARTTLS files
        sys.exit(f"Hub cannot start: {exc}")
