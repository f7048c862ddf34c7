"""figures indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:15:00.000000

Covering indexes for the campaign figures (report, dashboard) and a campaign's clips; see
docs/performance.md. On SQLite the planner's statistics are gathered again (ANALYZE), so that
it weighs the new indexes with the table sizes of this database.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FIGURES = (
    "status",
    "published_at",
    "medium",
    "tone",
    "prominence",
    "outlet_id",
    "reach",
    "ave_eur",
    "ave_override_eur",
    "id",
)


def upgrade() -> None:
    # Plain CREATE INDEX: no batch mode, which would rebuild the table and drop the full-text
    # triggers (see models.fulltext).
    op.create_index("ix_coverage_figures", "coverage", list(FIGURES), unique=False)
    op.create_index(
        "ix_coverage_campaign_campaign_coverage",
        "coverage_campaign",
        ["campaign_id", "coverage_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_coverage_campaign_campaign_coverage", table_name="coverage_campaign")
    op.drop_index("ix_coverage_figures", table_name="coverage")
