"""arrow_zerobus_sdk_wrapper: send Apache Arrow data to Databricks Delta tables through Zerobus
Ingest, with a result for every row.

Quick start::

    import asyncio
    import pyarrow as pa
    from arrow_zerobus_sdk_wrapper import ZerobusWrapper

    async def main():
        wrapper = ZerobusWrapper(
            endpoint="https://1234567890.zerobus.us-west-2.cloud.databricks.com",
            table_name="main.sales.orders",
            client_id="client_id",
            client_secret="client_secret",
            unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
        )
        result = await wrapper.send_batch(pa.record_batch({"id": [1, 2, 3]}))
        await wrapper.shutdown()

    asyncio.run(main())

Blocking twins: ``send_batch_sync``, ``flush_sync``, ``shutdown_sync``. A local emulator for
trying it without a workspace: :mod:`arrow_zerobus_sdk_wrapper.emulator`.
"""

from . import _core
from .config import WrapperConfiguration
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConversionError,
    RetryExhausted,
    RetryExhaustedError,
    RowsFailedError,
    TokenRefreshError,
    TransmissionError,
    ZerobusConnectionError,
    ZerobusError,
    _from_status,
)
from .result import TransmissionResult
from .wrapper import ZerobusWrapper

_core._register_error_factory(_from_status)

__version__: str = _core.__version__
"""The package version (the C++ library's version)."""

#: The Arrow C++ version the extension was built against (pyarrow's major must match).
BUILT_WITH_ARROW: str = _core.BUILT_WITH_ARROW

# The original's name for ZerobusConnectionError, as an attribute only: it is not in __all__,
# so a star import never shadows the builtin ConnectionError (which catches it anyway).
ConnectionError = ZerobusConnectionError  # noqa: A001

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
