"""Write a Ray Dataset to a Delta table through Zerobus, every row accounted for.

::

    import ray
    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    sink = ZerobusDatasink(
        endpoint="https://1234567890.zerobus.us-west-2.cloud.databricks.com",
        table_name="main.sales.orders",
        unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
        client_id="my-service-principal",
        client_secret=os.environ["ZEROBUS_CLIENT_SECRET"],
        quarantine_dir="s3://bucket/quarantine/orders",   # or None: raise RowsFailedError
    )
    ray.data.read_parquet("s3://bucket/orders/").write_datasink(sink)
    print(sink.result.rows_landed, sink.result.rows_failed, sink.result.quarantine_files)

Each write task sends its blocks through one ZerobusWrapper, block by block as they come. Needs
Ray Data (``pip install 'arrow-zerobus-sdk-wrapper[ray]'``) and this package on every node.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

try:
    from ray.data import Datasink
    from ray.data.block import Block, BlockAccessor
except ImportError as _error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "arrow_zerobus_sdk_wrapper.ray needs Ray Data: pip install 'arrow-zerobus-sdk-wrapper[ray]'"
    ) from _error

from ._partition_writer import (
    PartitionWriter,
    ShippedSettings,
    TaskSummary,
    WriteSummary,
    check_columns,
)
from .config import WrapperConfiguration
from .errors import ConfigurationError

__all__ = ["WriteSummary", "ZerobusDatasink", "ZerobusDatasinkResult"]


@dataclasses.dataclass
class ZerobusDatasinkResult(WriteSummary):
    """What a :class:`ZerobusDatasink` write did: the totals of :class:`WriteSummary` and the
    quarantine files.

    Attributes:
        quarantine_files: the Parquet files holding the rows that did not land (the data's
            columns, all nullable, ``_zerobus_error_type`` and ``_zerobus_error``), one per write
            task that had failed rows (more when a task's blocks changed schema); empty without
            a quarantine directory.
    """

    quarantine_files: list[str] = dataclasses.field(default_factory=list)


class ZerobusDatasink(Datasink):
    """A Ray Data datasink that sends every row to a Delta table through Zerobus:
    ``ds.write_datasink(ZerobusDatasink(...))``.

    Args:
        config: a WrapperConfiguration or a dict of settings (its client secret, which it
            never gives back, passed again as ``client_secret=``).
        quarantine_dir: where the rows that did not land go, as Parquet: a local directory or a
            pyarrow filesystem URI (``s3://...``), one file per write task with failed rows,
            named after the write and the task. Without it, a write where some rows failed
            raises RowsFailedError once every task ran (the counts per error type and the first
            errors; the rows that landed stay landed).
        min_rows_per_write: rows Ray should bundle into one write task (each task opens its own
            wrapper and streams), or None for Ray's choice.
        settings: the settings of ZerobusWrapper (``stream_count`` streams per task), validated
            here (ConfigurationError lists every problem).

    After the write, ``result`` is a :class:`ZerobusDatasinkResult` (rows landed and failed,
    failures per type, streams, bytes, time, tasks, quarantine files), also when it raised.

    Retries: Ray runs a write task again when its worker dies; the earlier attempt may have
    landed rows, which the retry sends again (at least once). Ray keeps only the last attempt's
    return value, so no row is reported twice, but Ray does not tell a task it is a retry, so
    such duplicates are not counted (``retried_tasks`` stays 0; ``possible_duplicates`` counts
    the rows replayed after reconnects). A retried task's quarantine file replaces the earlier
    attempt's, and files no task reported are removed when the write completes.

    The datasink is pickled to the workers: its repr, str and pickled bytes never hold the
    client secret.
    """

    def __init__(
        self,
        config: WrapperConfiguration | Mapping[str, Any] | None = None,
        /,
        *,
        quarantine_dir: str | os.PathLike[str] | None = None,
        min_rows_per_write: int | None = None,
        **settings: Any,
    ) -> None:
        self._shipped = ShippedSettings.resolve(config, settings, "ZerobusDatasink()")
        self._quarantine_dir = None if quarantine_dir is None else os.fspath(quarantine_dir)
        if self._quarantine_dir is not None:
            _filesystem(self._quarantine_dir)  # refuses a URI pyarrow cannot open, here
        if min_rows_per_write is not None and (
            isinstance(min_rows_per_write, bool)
            or not isinstance(min_rows_per_write, int)
            or min_rows_per_write <= 0
        ):
            raise ConfigurationError(
                f"min_rows_per_write must be a positive int or None, not {min_rows_per_write!r}",
                code="INVALID_ARGUMENT",
            )
        self._min_rows_per_write = min_rows_per_write
        self._started: float | None = None
        self.result: ZerobusDatasinkResult | None = None

    # --- On the driver ------------------------------------------------------------------------

    def on_write_start(self, schema: pa.Schema | None = None) -> None:
        """Checks the data's column names and creates the quarantine directory."""
        self._started = time.monotonic()
        self.result = None
        if schema is not None:
            check_columns(schema.names, "the dataset")
        if self._quarantine_dir is not None:
            filesystem, path = _filesystem(self._quarantine_dir)
            filesystem.create_dir(path, recursive=True)

    def on_write_complete(self, write_result: Any) -> None:
        """Adds up the tasks' summaries into ``result``; without a quarantine directory, raises
        RowsFailedError when a row did not land."""
        returns = [value for value in write_result.write_returns if value is not None]
        tasks = [TaskSummary.from_json(value["summary"]) for value in returns]
        files = sorted(path for value in returns for path in value["quarantine_files"])
        if self._quarantine_dir is not None:
            prefixes = {value["prefix"] for value in returns}
            _remove_unreported(self._quarantine_dir, prefixes, set(files))
        seconds = 0.0 if self._started is None else time.monotonic() - self._started
        totals = WriteSummary._totals(self._shipped.table_name, tasks, seconds)
        shown = [_shown(self._quarantine_dir or "", path) for path in files]
        self.result = ZerobusDatasinkResult(**totals, quarantine_files=shown)
        if self._quarantine_dir is None:
            self.result.raise_if_failed()

    @property
    def min_rows_per_write(self) -> int | None:
        """Rows Ray bundles into one write task (None: Ray's choice)."""
        return self._min_rows_per_write

    @property
    def quarantine_dir(self) -> str | None:
        """Where failed rows go (None: a write with failed rows raises)."""
        return self._quarantine_dir

    @property
    def table_name(self) -> str:
        """The table written to."""
        return self._shipped.table_name

    # --- In the write tasks -------------------------------------------------------------------

    def write(self, blocks: Iterable[Block], ctx: Any) -> dict[str, Any]:
        """Sends the task's blocks through one wrapper; returns its summary and quarantine
        files (written as the failed rows come)."""
        task = int(getattr(ctx, "task_idx", 0))
        write_id = str(getattr(ctx, "kwargs", {}).get("write_uuid") or uuid.uuid4().hex)
        prefix = f"{write_id}-"
        writer = PartitionWriter(self._shipped, task=task)
        data = (BlockAccessor.for_block(block).to_arrow() for block in blocks)
        files = _QuarantineFiles(self._quarantine_dir, f"{prefix}{task:06d}")
        try:
            for quarantined in writer.write(data):
                files.write(quarantined)
        except BaseException:
            files.abandon()  # its partial files are removed when the write completes
            raise
        paths = files.close()
        return {"summary": writer.summary.to_json(), "quarantine_files": paths, "prefix": prefix}

    def __repr__(self) -> str:
        return (
            f"ZerobusDatasink(table_name={self.table_name!r}, "
            f"quarantine_dir={self._quarantine_dir!r}, settings={self._shipped!r})"
        )

    __str__ = __repr__


def _filesystem(location: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem of a directory or URI, and the path within it."""
    if "://" in location:
        try:
            return pafs.FileSystem.from_uri(location)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
            raise ConfigurationError(
                f"quarantine_dir {location!r} cannot be opened by pyarrow: {error}",
                code="INVALID_ARGUMENT",
            ) from None
    return pafs.LocalFileSystem(), os.path.abspath(location)


def _shown(location: str, path: str) -> str:
    """A path of `location`'s filesystem as the caller names it (with the URI's scheme)."""
    if "://" in location:
        return f"{location.split('://', 1)[0]}://{path}"
    return path


class _QuarantineFiles:
    """The failed rows of one write task as Parquet, a file per schema (usually one), each
    written beside its name and moved into place when complete."""

    def __init__(self, location: str | None, stem: str) -> None:
        self._location = location
        self._stem = stem
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._paths: list[tuple[str, str]] = []  # (partial, final)

    def write(self, batch: pa.RecordBatch) -> None:
        if self._location is None:
            return  # no quarantine: the summary counts the rows and keeps the first errors
        if self._writer is None or not batch.schema.equals(self._schema):
            self._close_writer()
            filesystem, directory = _filesystem(self._location)
            final = f"{directory}/{self._stem}-{len(self._paths)}.parquet"
            partial = f"{final}.partial"
            self._writer = pq.ParquetWriter(partial, batch.schema, filesystem=filesystem)
            self._schema = batch.schema
            self._paths.append((partial, final))
        self._writer.write_batch(batch)

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def abandon(self) -> None:
        self._close_writer()

    def close(self) -> list[str]:
        self._close_writer()
        if not self._paths:
            return []
        filesystem, _ = _filesystem(self._location or "")
        for partial, final in self._paths:
            filesystem.move(partial, final)
        return [final for _, final in self._paths]


def _remove_unreported(location: str, prefixes: set[str], reported: set[str]) -> None:
    """Removes this write's files that no task reported: those of attempts Ray ran again."""
    if not prefixes:
        return
    filesystem, directory = _filesystem(location)
    selector = pafs.FileSelector(directory, allow_not_found=True)
    for info in filesystem.get_file_info(selector):
        name = info.path.rsplit("/", 1)[-1]
        if any(name.startswith(prefix) for prefix in prefixes) and info.path not in reported:
            filesystem.delete_file(info.path)
