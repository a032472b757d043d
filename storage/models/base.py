"""Declarative base and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; INTEGER on SQLite so the primary key is the rowid and autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class _Json(TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL. PostgreSQL's dialect is imported only when a PostgreSQL
    connection needs the type, so an SQLite process never loads it (docs/benchmarks.md#cold-start)."""

    impl = JSON
    cache_ok = True
    should_evaluate_none = True  # as JSON: a Python None is stored as JSON null, not left out
    hashable = False

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


Json = _Json()


class UTCDateTime(TypeDecorator[datetime]):
    """Always UTC: timestamptz on PostgreSQL, naive-UTC text on SQLite; aware datetimes in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime bound to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_reader(dialect: Any) -> Any:
    """What `UTCDateTime` makes of a value the driver returned on `dialect` (an aware UTC datetime, or None):
    for rows read straight from the driver, so they come back exactly as the ORM reads them."""
    decorated = UTCDateTime()
    impl = cast(Any, decorated.dialect_impl(dialect)).impl_instance.result_processor(dialect, None)
    return lambda value: decorated.process_result_value(impl(value) if impl else value, dialect)


def utc_binder(dialect: Any) -> Any:
    """What `UTCDateTime` hands the driver for an aware datetime on `dialect` (naive-UTC text on SQLite, an
    aware datetime on PostgreSQL): for statements sent straight to the driver (`Database.driver`), so they
    store exactly what the ORM stores."""
    return UTCDateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
