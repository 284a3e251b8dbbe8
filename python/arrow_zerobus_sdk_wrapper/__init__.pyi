from . import _core as _core
from .config import WrapperConfiguration as WrapperConfiguration
from .errors import AuthenticationError as AuthenticationError
from .errors import ConfigurationError as ConfigurationError
from .errors import ConversionError as ConversionError
from .errors import RetryExhausted as RetryExhausted
from .errors import RetryExhaustedError as RetryExhaustedError
from .errors import RowsFailedError as RowsFailedError
from .errors import TokenRefreshError as TokenRefreshError
from .errors import TransmissionError as TransmissionError
from .errors import ZerobusConnectionError as ZerobusConnectionError
from .errors import ZerobusError as ZerobusError
from .result import TransmissionResult as TransmissionResult
from .wrapper import ZerobusWrapper as ZerobusWrapper

__version__: str
BUILT_WITH_ARROW: str
ConnectionError = ZerobusConnectionError

__all__ = [
    "ZerobusWrapper",
    "WrapperConfiguration",
    "TransmissionResult",
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
    "__version__",
]
