"""Exceptions of arrow_zerobus_sdk_wrapper.

Every exception the package raises, and every per-row error of a
:class:`~arrow_zerobus_sdk_wrapper.TransmissionResult`, is a :class:`ZerobusError`::

    ZerobusError
    ├── ConfigurationError      bad settings, unsupported schema, use after shutdown
    ├── AuthenticationError     the token endpoint or the service refused the credentials
    ├── ZerobusConnectionError  the stream could not be opened (also a builtin ConnectionError)
    ├── ConversionError         Arrow data that cannot become a record
    ├── TransmissionError       the service refused or failed to acknowledge records
    ├── RetryExhausted          every reconnect attempt failed (alias RetryExhaustedError)
    ├── RowsFailedError         rows of a Spark or Ray write did not land (counts, first errors)
    └── TokenRefreshError       kept for the original API; never raised by this implementation

``ZerobusConnectionError`` is also exported as ``ConnectionError`` (the original's name), as a
module attribute only: ``from arrow_zerobus_sdk_wrapper import *`` does not shadow the builtin,
and ``except ConnectionError`` (the builtin) still catches it.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "ZerobusError",
    "ConfigurationError",
    "AuthenticationError",
    "ZerobusConnectionError",
    "ConversionError",
    "TransmissionError",
    "RetryExhausted",
    "RetryExhaustedError",
    "RowsFailedError",
    "TokenRefreshError",
    "error_class",
]


class ZerobusError(Exception):
    """Base class of every error of the package.

    Attributes:
        cause: the message: what failed, naming the column and value for conversion errors.
        code: the gRPC status code name ("INVALID_ARGUMENT", "UNAVAILABLE", ...).
        retryable: whether trying again may succeed.
        error_type: the original's type name ("ConversionError", "ConnectionError", "IoError",
            ...), the key of ``TransmissionResult.group_errors_by_type()``.
    """

    error_type: str = "ZerobusError"
    default_retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "UNKNOWN",
        retryable: bool | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.cause = message
        self.code = code
        self.retryable = type(self).default_retryable if retryable is None else bool(retryable)
        if error_type is not None:
            self.error_type = error_type

    def __str__(self) -> str:
        return self.cause

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.cause!r}, code={self.code!r}, "
            f"retryable={self.retryable!r})"
        )

    def __reduce__(self):  # picklable with its attributes
        return (
            _rebuild,
            (type(self), self.cause, self.code, self.retryable, self.error_type),
        )


def _rebuild(cls, message, code, retryable, error_type):
    return cls(message, code=code, retryable=retryable, error_type=error_type)


class ConfigurationError(ZerobusError):
    """Invalid settings, an unsupported schema or descriptor, or a wrapper used after
    shutdown."""

    error_type = "ConfigurationError"


class AuthenticationError(ZerobusError):
    """The OAuth token could not be obtained, or the service refused it."""

    error_type = "AuthenticationError"


class ZerobusConnectionError(ZerobusError, builtins.ConnectionError):
    """The Zerobus stream could not be opened or broke. Also a builtin ``ConnectionError``."""

    error_type = "ConnectionError"
    default_retryable = True


class ConversionError(ZerobusError):
    """A row that cannot become a record (null in a required column, overflow, bad UTF-8,
    record too large, ...)."""

    error_type = "ConversionError"


class TransmissionError(ZerobusError):
    """The service refused records or did not acknowledge them (also: a cancelled send)."""

    error_type = "TransmissionError"
    default_retryable = True


class RetryExhausted(ZerobusError):
    """Every reconnect attempt failed; the message holds the last cause."""

    error_type = "RetryExhausted"


RetryExhaustedError = RetryExhausted


class RowsFailedError(ZerobusError):
    """Rows of a write spread over tasks (``arrow_zerobus_sdk_wrapper.ray``'s datasink without a
    quarantine directory, or ``raise_if_failed()`` of a Spark or Ray write summary) did not
    land. Raised once every task has run: the rows that landed stay in the table.

    The message names the table, the counts per error type and the first errors (task, row,
    type, cause). ``summary`` holds the write's totals (a ``WriteSummary``, None when the error
    was built by hand); ``retryable`` is True when every failed row's error was retryable, so
    sending those rows again may succeed.
    """

    error_type = "RowsFailedError"

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "UNKNOWN",
        retryable: bool | None = None,
        error_type: str | None = None,
        summary: Any = None,
    ) -> None:
        super().__init__(message, code=code, retryable=retryable, error_type=error_type)
        self.summary = summary

    def __reduce__(self):  # picklable with its summary
        return (
            _rebuild_rows_failed,
            (self.cause, self.code, self.retryable, self.error_type, self.summary),
        )


def _rebuild_rows_failed(message, code, retryable, error_type, summary):
    return RowsFailedError(
        message, code=code, retryable=retryable, error_type=error_type, summary=summary
    )


class TokenRefreshError(ZerobusError):
    """Token refresh failed (the original's type; this implementation reports token problems
    as AuthenticationError)."""

    error_type = "TokenRefreshError"


# The one mapping from the C++ library's error type names (ErrorKindName) to classes; kinds not
# listed ("IoError", "InternalError") are plain ZerobusError with that error_type.
_CLASSES: dict[str, type[ZerobusError]] = {
    "ConfigurationError": ConfigurationError,
    "AuthenticationError": AuthenticationError,
    "ConnectionError": ZerobusConnectionError,
    "ConversionError": ConversionError,
    "TransmissionError": TransmissionError,
    "RetryExhausted": RetryExhausted,
    "TokenRefreshError": TokenRefreshError,
}


def error_class(error_type: str) -> type[ZerobusError]:
    """The exception class of an error type name ("ConversionError" -> ConversionError)."""
    return _CLASSES.get(error_type, ZerobusError)


def _from_status(error_type: str, code: str, message: str, retryable: bool) -> ZerobusError:
    """Called by the C++ core to turn a status into an exception instance."""
    return error_class(error_type)(message, code=code, retryable=retryable, error_type=error_type)
