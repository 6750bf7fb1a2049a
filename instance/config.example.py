# Copy to instance/config.py and change what you need. Every setting is listed in README.md;
# environment variables (HUB_...) override this file.

HUB_NAME = "Leipzig Innovation Network"
HUB_BASE_URL = "https://hub.example.org"
HUB_MAIL_DOMAIN = "hub.example.org"

# PostgreSQL in production:
# HUB_DATABASE_URL = "postgresql+psycopg://hub@localhost/hub"

# Send through your organisation's relay instead of the local outbox:
# HUB_MAIL_BACKEND = "smtp"
# HUB_RELAY_HOST = "smtp.example.org"
# HUB_RELAY_PORT = 587
# HUB_RELAY_USERNAME = "hub"
# HUB_RELAY_PASSWORD = "..."
