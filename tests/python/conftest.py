"""Fixtures of the Python tests: one in-process emulator for the session (started through the
package's own binding), a fresh table name per test, and helpers to read what landed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from arrow_zerobus_sdk_wrapper import ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator

_table_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The emulator: lands rows in data_dir/<table>/<stream>.arrows and keeps the records."""
    landed = tmp_path_factory.mktemp("landed")
    with Emulator(data_dir=landed) as emu:
        yield emu


@pytest.fixture(scope="session")
def light_emulator() -> Iterator[Emulator]:
    """An emulator that checks records without decoding or keeping them (for large sends)."""
    with Emulator(light=True) as emu:
        yield emu


@pytest.fixture
def table() -> str:
    """A table name of its own for each test (catalog.schema.table, as Zerobus requires)."""
    return f"main.pytest.t{next(_table_numbers)}"


@pytest.fixture(params=["protobuf", "arrow"])
def wire_format(request: pytest.FixtureRequest) -> str:
    """Every test that sends runs once per wire format: one suite for both."""
    return request.param


@pytest.fixture
def settings(emulator: Emulator, table: str, wire_format: str) -> dict[str, object]:
    """ZerobusWrapper keywords for the test's table on the emulator, with fast retries, in the
    wire format of this run."""
    return {
        **emulator.settings(table),
        "retry_base_delay_ms": 10,
        "retry_max_delay_ms": 200,
        "wire_format": wire_format,
    }


@pytest.fixture
def wrapper(settings: dict[str, object]) -> Iterator[ZerobusWrapper]:
    w = ZerobusWrapper(**settings)
    yield w
    w.shutdown_sync()
