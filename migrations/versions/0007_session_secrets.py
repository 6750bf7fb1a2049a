"""a session secret per member, carried in login cookies so they can all be ended

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:30:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_secret", sa.String(length=64), nullable=True))
    # Every existing member gets a secret of their own: cookies issued before carry the
    # bare member id, which names no session any more, so everybody logs in once again.
    member = sa.table("member", sa.column("id", sa.Integer), sa.column("session_secret"))
    connection = op.get_bind()
    ids = connection.execute(sa.select(member.c.id)).scalars().all()
    for member_id in ids:
        connection.execute(
            member.update()
            .where(member.c.id == member_id)
            .values(session_secret=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column(
            "session_secret", existing_type=sa.String(length=64), nullable=False
        )


def downgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("session_secret")
