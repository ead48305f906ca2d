"""chotdon's one exception root, and the errors of the data layer.

`ChotdonError` lives here because schema imports nothing of ours: connectors/ and aggregator/ both
derive their errors from it (aggregator.errors re-exports it), so one `except ChotdonError` (the
web edge, the CLI) catches every error chotdon raises on purpose.
"""

from __future__ import annotations


class ChotdonError(Exception):
    """Root of every error chotdon raises on purpose; `http_status` is what the web edge answers."""

    http_status = 500


class SchemaError(ChotdonError):
    """Root of every error raised by schema/."""


class MigrationError(SchemaError):
    """The migrations cannot be applied as they are."""


class DatabaseTooNewError(MigrationError):
    """The database was migrated by a newer chotdon than this one."""


class MigrationChangedError(MigrationError):
    """An applied migration file was edited after it ran."""


class UnknownQueryError(SchemaError):
    """A named query does not exist in schema/queries/."""
