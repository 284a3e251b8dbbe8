import os
from collections.abc import Iterable, Mapping
from typing import Any

from ray.data import Datasink
from ray.data.block import Block
from ray.data.datasource.datasink import WriteResult

from ._partition_writer import WriteSummary as WriteSummary
from .config import WrapperConfiguration

__all__ = ["WriteSummary", "ZerobusDatasink", "ZerobusDatasinkResult"]

class ZerobusDatasinkResult(WriteSummary):
    quarantine_files: list[str]
    def __init__(
        self, *args: Any, quarantine_files: list[str] | None = None, **totals: Any
    ) -> None: ...

class ZerobusDatasink(Datasink[dict[str, Any]]):
    result: ZerobusDatasinkResult | None
    def __init__(
        self,
        config: WrapperConfiguration | Mapping[str, Any] | None = None,
        /,
        *,
        quarantine_dir: str | os.PathLike[str] | None = None,
        min_rows_per_write: int | None = None,
        **settings: Any,
    ) -> None: ...
    def on_write_start(self, schema: Any = None) -> None: ...
    def on_write_complete(self, write_result: WriteResult[dict[str, Any]]) -> None: ...
    @property
    def min_rows_per_write(self) -> int | None: ...
    @property
    def quarantine_dir(self) -> str | None: ...
    @property
    def table_name(self) -> str: ...
    def write(self, blocks: Iterable[Block], ctx: Any) -> dict[str, Any]: ...
