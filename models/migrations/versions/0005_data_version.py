"""data version of the figures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:00:00

A counter incremented by every committed write to the tables the figures are computed from;
cached figures are stored under its value (see models.figures_cache).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"name": "figures", "version": 0}])


def downgrade() -> None:
    op.drop_table("data_version")
