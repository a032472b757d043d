"""Persistence: SQLAlchemy 2 models, an async engine, repositories and Alembic migrations."""
