# Hub's image: one image for the web app, hub smtpd and hub scheduler (compose.yaml runs
# each from it). The instance folder (secret key, outbox, DKIM keys) is the volume
# /var/lib/hub; the settings come from the environment (HUB_*).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_INSTANCE_DIR=/var/lib/hub \
    PATH=/opt/hub/.venv/bin:$PATH

RUN useradd --system --user-group --home-dir /var/lib/hub --create-home \
        --shell /usr/sbin/nologin hub

WORKDIR /opt/hub
COPY pyproject.toml README.md app.py ./
COPY hub hub
COPY mailer mailer
COPY digests digests
COPY wiring wiring
COPY templates templates
COPY migrations migrations
# Editable, as in the README: Hub finds its templates and migrations beside its code.
RUN python -m venv /opt/hub/.venv \
    && /opt/hub/.venv/bin/pip install --no-cache-dir -e '.[production]'

USER hub
VOLUME /var/lib/hub
EXPOSE 8000 8025
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "app:app"]
