"""search_index: full-text search over updates, replies and people

SQLite: FTS5 tables kept in step by triggers, built from the existing rows.
PostgreSQL: the unaccent extension, generated tsvector columns and GIN indexes.

Revision ID: 0070
Revises: 0051
Create Date: 2026-12-02 16:30:00

"""

from alembic import op

from hub import search_index

revision = "0070"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade():
    search_index.create(op.get_bind())


def downgrade():
    search_index.drop(op.get_bind())
