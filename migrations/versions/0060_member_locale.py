"""member_locale: the language each member reads Hub in

Revision ID: 0060
Revises: 0080
Create Date: 2026-12-02 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0080"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("locale", sa.String(8), nullable=False, server_default="en"))


def downgrade():
    with op.batch_alter_table("member") as batch:
        batch.drop_column("locale")
