"""login_request: handled by the mail sender, not the web request (next_path, handled_at)

Revision ID: 0080
Revises: 0071
Create Date: 2026-12-02 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0080"
down_revision = "0071"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("login_request", sa.Column("next_path", sa.Text(), nullable=True))
    op.add_column("login_request", sa.Column("handled_at", sa.DateTime(), nullable=True))
    op.create_index(
        op.f("ix_login_request_handled_at"), "login_request", ["handled_at"], unique=False
    )
    # Requests made before this revision were answered (and mailed) at the time.
    op.execute("UPDATE login_request SET handled_at = created_at")


def downgrade():
    op.drop_index(op.f("ix_login_request_handled_at"), table_name="login_request")
    op.drop_column("login_request", "handled_at")
    op.drop_column("login_request", "next_path")
