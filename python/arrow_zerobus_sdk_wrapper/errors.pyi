import builtins
from typing import Any, ClassVar

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
    error_type: str
    default_retryable: ClassVar[bool]
    cause: str
    code: str
    retryable: bool
    def __init__(
        self,
        message: str = "",
        *,
        code: str = "UNKNOWN",
        retryable: bool | None = None,
        error_type: str | None = None,
    ) -> None: ...

class ConfigurationError(ZerobusError): ...
class AuthenticationError(ZerobusError): ...
class ZerobusConnectionError(ZerobusError, builtins.ConnectionError): ...
class ConversionError(ZerobusError): ...
class TransmissionError(ZerobusError): ...
class RetryExhausted(ZerobusError): ...

RetryExhaustedError = RetryExhausted

class RowsFailedError(ZerobusError):
    summary: Any
    def __init__(
        self,
        message: str = "",
        *,
        code: str = "UNKNOWN",
        retryable: bool | None = None,
        error_type: str | None = None,
        summary: Any = None,
    ) -> None: ...

class TokenRefreshError(ZerobusError): ...

def error_class(error_type: str) -> type[ZerobusError]: ...
def _from_status(error_type: str, code: str, message: str, retryable: bool) -> ZerobusError: ...
