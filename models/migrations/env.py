"""Alembic environment: runs on the connection handed over by models.db, or on the URL."""

from alembic import context
from sqlalchemy import create_engine

from models import Base
from models.fulltext import is_fulltext_object
from models.job_run import is_job_store_object

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The full-text index and APScheduler's job table live outside the models.
        include_object=lambda obj, name, type_, reflected, compare_to: (
            not is_fulltext_object(name, type_) and not is_job_store_object(obj, name, type_)
        ),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run(conn)
