"""folded keys for matching: member.name_key, interest.tag_key (case and accents folded);
posts with an email address rendered again, so the address is a mailto: link

Revision ID: 0040
Revises: 0012
Create Date: 2026-12-02 16:30:00

"""

import sqlalchemy as sa
from alembic import op

from hub.folding import fold
from hub.render import render_markdown

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


def _link_addresses() -> None:
    """Render again the posts that may hold an address (only those: a bounded scan)."""
    posts = sa.table("post", sa.column("id", sa.Integer), sa.column("body"), sa.column("body_html"))
    connection = op.get_bind()
    query = sa.select(posts.c.id, posts.c.body, posts.c.body_html).where(posts.c.body.like("%@%"))
    for post_id, body, html in connection.execute(query).all():
        fresh = render_markdown(body or "")
        if fresh != html:
            connection.execute(posts.update().where(posts.c.id == post_id).values(body_html=fresh))


def upgrade():
    # Plain ADD COLUMN (with a server default for the rows there): a batch operation would
    # copy and drop the member table, which SQLite refuses while other rows refer to it.
    op.add_column(
        "member", sa.Column("name_key", sa.String(length=255), nullable=False, server_default="")
    )
    op.add_column(
        "interest", sa.Column("tag_key", sa.String(length=80), nullable=False, server_default="")
    )
    _fill("member", "name", "name_key", 255)
    _fill("interest", "tag", "tag_key", 80)
    _link_addresses()
    op.create_index(op.f("ix_member_name_key"), "member", ["name_key"], unique=False)
    op.create_index(op.f("ix_interest_tag_key"), "interest", ["tag_key"], unique=False)


def downgrade():
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interest_tag_key"))
        batch_op.drop_column("tag_key")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_name_key"))
        batch_op.drop_column("name_key")
