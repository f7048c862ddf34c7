"""the review inbox's order indexed on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:15:00

The inbox lists the clips awaiting review latest first (publication date, nulls last, then id):
PostgreSQL walks an index in that order only if the index has the same NULLS order, so it read
every clip awaiting review and sorted them. SQLite needs nothing more.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NAME = "ix_coverage_status_latest"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            NAME,
            "coverage",
            ["status", sa.text("published_at DESC NULLS LAST"), sa.text("id DESC")],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name="coverage")
