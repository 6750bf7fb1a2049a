"""network_settings: settings admins change in the browser

Revision ID: 0050
Revises: 0040
Create Date: 2026-12-02 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "network_setting",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["member.id"],
            name=op.f("fk_network_setting_updated_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_network_setting")),
    )
    with op.batch_alter_table("network_setting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_setting_updated_by_id"), ["updated_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("network_setting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_setting_updated_by_id"))
    op.drop_table("network_setting")
