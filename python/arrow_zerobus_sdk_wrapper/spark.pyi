from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame

from ._partition_writer import WriteSummary as WriteSummary
from .config import WrapperConfiguration

__all__ = ["ZerobusWriteResult", "WriteSummary", "write_to_zerobus"]

SUMMARY_COLUMN: str

class ZerobusWriteResult(WriteSummary):
    quarantine: DataFrame
    def __init__(self, *args: Any, quarantine: DataFrame | None = None, **totals: Any) -> None: ...

def write_to_zerobus(
    df: DataFrame,
    config: WrapperConfiguration | Mapping[str, Any] | None = None,
    /,
    **settings: Any,
) -> ZerobusWriteResult: ...
