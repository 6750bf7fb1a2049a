"""inbound mail: the stored preview and size the moderators' page shows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:40:00

Rows stored before this revision have no preview (NULL); the moderators' page computes
it once, on the first view that lists the row, and stores it (``hub.held_mail``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preview", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("size")
        batch_op.drop_column("preview")
