"""Errors that the CLI turns into one readable line and an exit code."""

from __future__ import annotations


class InputError(Exception):
    """Bad input or usage: exit code 2.

    The message should name the file, sheet, column and row where they are known.
    """

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None,
                 column: str | None = None, row: int | None = None) -> None:
        self.file, self.sheet, self.column, self.row = file, sheet, column, row
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.column:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.args[0]}" if prefix else str(self.args[0])


class QualityGateFailed(Exception):
    """A blocking quality check failed: exit code 1."""


class WarehouseBusy(Exception):
    """The warehouse is in a state that passes (another process is writing it, or a BI tool opened
    the published file for writing): nothing was changed; try again once it is over. Exit code 3.

    The message names the file.
    """

    def __init__(self, message: str, *, file: str) -> None:
        self.file = file
        super().__init__(message)

    def __str__(self) -> str:
        return f"file {self.file}: {self.args[0]}"
