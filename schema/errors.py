"""The one exception root of the data layer."""

from __future__ import annotations


class SchemaError(Exception):
    """Root of every error raised by schema/."""


class MigrationError(SchemaError):
    """The migrations cannot be applied as they are."""


class DatabaseTooNewError(MigrationError):
    """The database was migrated by a newer chotdon than this one."""


class MigrationChangedError(MigrationError):
    """An applied migration file was edited after it ran."""


class UnknownQueryError(SchemaError):
    """A named query does not exist in schema/queries/."""
