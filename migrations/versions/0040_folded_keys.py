"""folded keys for matching: member.name_key, interest.tag_key (case and accents folded)

Revision ID: 0040
Revises: 0012
Create Date: 2026-12-02 16:30:00

"""

import sqlalchemy as sa
from alembic import op

from hub.folding import fold

revision = "0040"
down_revision = "0012"
branch_labels = None
depends_on = None


def _fill(table: str, source: str, key: str, length: int) -> None:
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(source), sa.column(key))
    connection = op.get_bind()
    for row_id, text in connection.execute(sa.select(rows.c.id, rows.c[source])).all():
        connection.execute(
            rows.update().where(rows.c.id == row_id).values({key: fold(text or "")[:length]})
        )


def upgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=255), nullable=True))
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tag_key", sa.String(length=80), nullable=True))
    _fill("member", "name", "name_key", 255)
    _fill("interest", "tag", "tag_key", 80)
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_index(batch_op.f("ix_member_name_key"), ["name_key"], unique=False)
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.alter_column("tag_key", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_index(batch_op.f("ix_interest_tag_key"), ["tag_key"], unique=False)


def downgrade():
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interest_tag_key"))
        batch_op.drop_column("tag_key")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_name_key"))
        batch_op.drop_column("name_key")
