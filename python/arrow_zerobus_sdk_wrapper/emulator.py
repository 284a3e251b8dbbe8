"""The local Zerobus emulator, started in this process.

It serves the Zerobus Ingest gRPC service and the workspace's OAuth token endpoint on
127.0.0.1, so the package can be tried and tested without a Databricks workspace::

    from arrow_zerobus_sdk_wrapper import ZerobusWrapper
    from arrow_zerobus_sdk_wrapper.emulator import Emulator

    with Emulator() as emulator:
        with ZerobusWrapper(**emulator.settings("main.default.events")) as wrapper:
            result = wrapper.send_batch_sync(batch)
        print(emulator.counters("main.default.events")["records"])

The same emulator is the ``zerobus-emulator`` program (docs/emulator.md).
"""

from __future__ import annotations

import glob
import json
import os
from typing import Any

from . import _core

__all__ = ["Emulator"]

Column = tuple[str, str, bool]


class Emulator:
    """A running emulator.

    Args:
        light: check offsets, record types and sizes only, without decoding records (for
            throughput benchmarks; such records land in no file).
        require_auth: check every stream's bearer token against the tokens the OAuth endpoint
            issued (the credentials are :attr:`client_id` / :attr:`client_secret`).
        tables: tables to declare, ``{table: [(column, Unity Catalog type, nullable), ...]}``;
            streams whose records do not fit a declared table are refused. Other tables are
            accepted as they come.
        data_dir: when set, the rows of every stream land in
            ``<data_dir>/<table>/<stream id>.arrows``, an Arrow IPC stream file with the table's
            column types (``pyarrow.ipc.open_stream``; JSON record streams: ``.jsonl``); see
            :meth:`landed_rows`.
        keep_records: keep every landed record's bytes in memory (:meth:`landed_records`);
            default: on unless ``light``.
        host: the address to listen on (default 127.0.0.1).
        require_zerobuswrite: refuse token requests whose TABLE grant lacks the
            ``zerobuswrite`` operation, as current official clients send it; by default
            requests without operations, as older clients (the Python SDK 0.2.0, Rust core
            1.0.x) send them, get tokens too.
    """

    client_id: str = _core.EMULATOR_CLIENT_ID
    """The client id the OAuth endpoint accepts."""
    client_secret: str = _core.EMULATOR_CLIENT_SECRET
    """The client secret the OAuth endpoint accepts."""

    def __init__(
        self,
        light: bool = False,
        require_auth: bool = True,
        tables: dict[str, list[Column]] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        keep_records: bool | None = None,
        host: str | None = None,
        require_zerobuswrite: bool = False,
    ) -> None:
        self._data_dir = None if data_dir is None else os.fspath(data_dir)
        self._emulator = _core.Emulator(
            light=light,
            require_auth=require_auth,
            keep_records=(not light) if keep_records is None else keep_records,
            data_dir=self._data_dir,
            host=host,
            require_zerobuswrite=require_zerobuswrite,
        )
        if tables is not None and not isinstance(tables, dict):
            raise TypeError(
                f"tables must be a dict of table name to columns, not {type(tables).__name__}"
            )
        for table, columns in (tables or {}).items():
            self.declare_table(table, columns)

    @property
    def endpoint(self) -> str:
        """The Zerobus endpoint: ``http://127.0.0.1:<port>``."""
        return self._emulator.endpoint

    @property
    def workspace_url(self) -> str:
        """The workspace URL whose /oidc/v1/token issues tokens (``unity_catalog_url``)."""
        return self._emulator.workspace_url

    @property
    def running(self) -> bool:
        """Whether the servers are up (until :meth:`stop`)."""
        return self._emulator.running

    def settings(self, table_name: str) -> dict[str, str]:
        """Keywords for ``ZerobusWrapper(**settings)`` or ``WrapperConfiguration(**settings)``
        that write to `table_name` on this emulator."""
        return {
            "endpoint": self.endpoint,
            "table_name": table_name,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "unity_catalog_url": self.workspace_url,
        }

    def declare_table(self, table: str, columns: list[Column]) -> None:
        """Declares `table` with its columns ``[(name, Unity Catalog type, nullable)]``."""
        if isinstance(columns, str | bytes) or not all(
            isinstance(column, tuple | list) and len(column) == 3 for column in columns
        ):
            raise TypeError(
                f"declare_table({table!r}): columns must be a list of (name, type, nullable), "
                f"not {columns!r}"
            )
        self._emulator.declare_table(table, [(n, t, bool(null)) for n, t, null in columns])

    def set_fault_script(self, table: str, script: str | dict[str, Any]) -> None:
        """Scripts faults for `table` ("*": every table without its own script), as JSON text
        or a dict: ``{"create_delay_ms", "ack_delay_ms", "kill_every_requests",
        "create_errors": [{"code", "message", "delay_ms"}], "events": [{"after_requests",
        "kind", "code", "message", "duration_ms"}]}`` (docs/emulator.md)."""
        text = script if isinstance(script, str) else json.dumps(script)
        self._emulator.set_fault_script(table, text)

    def clear_fault_script(self, table: str) -> None:
        """Removes the faults of `table`."""
        self._emulator.clear_fault_script(table)

    def counters(self, table: str) -> dict[str, int]:
        """Activity of `table`: streams_created, streams_refused, requests, records, bytes,
        acks, connections_killed, close_signals."""
        return self._emulator.counters(table)

    def landed_records(self, table: str) -> list[bytes]:
        """The protobuf bytes of every record landed in `table`, in landing order."""
        return self._emulator.landed_records(table)

    def landed_rows(self, table: str) -> list[dict[str, Any]]:
        """The rows landed in `table` (needs ``data_dir``), in stream order, as Python values of
        the landed column types (``pyarrow`` ``to_pylist``: TIMESTAMP as ``datetime``, DECIMAL as
        its exact text): from the Arrow IPC files of both wire formats, and the JSON lines files
        of JSON record streams."""
        if self._data_dir is None:
            raise RuntimeError("landed_rows needs an Emulator started with data_dir")
        rows: list[dict[str, Any]] = []
        directory = os.path.join(glob.escape(self._data_dir), glob.escape(table))
        files = glob.glob(os.path.join(directory, "*.jsonl"))
        files += glob.glob(os.path.join(directory, "*.arrows"))
        for path in sorted(files, key=os.path.getmtime):
            if path.endswith(".arrows"):
                import pyarrow.ipc

                with pyarrow.ipc.open_stream(path) as reader:
                    rows.extend(reader.read_all().to_pylist())
                continue
            with open(path, encoding="utf-8") as lines:
                rows.extend(json.loads(line) for line in lines if line.strip())
        return rows

    def tables(self) -> list[str]:
        """Tables that saw at least one create_stream."""
        return list(self._emulator.tables())

    def stop(self) -> None:
        """Stops both servers; open streams end CANCELLED. Calling it again does nothing."""
        self._emulator.stop()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"endpoint={self.endpoint!r}" if self.running else "stopped"
        return f"<Emulator {state}>"
