"""Several streams per table (stream_count) and bounded waits, from Python (issue 13): the
setting in every form, a table sent over four streams, and sends, flush and shutdown against an
emulator that accepts streams but never acknowledges, all ending within a bound computed from
the settings with every row failed."""

from __future__ import annotations

import asyncio
import time

import pyarrow as pa
import pytest
from support import landed_ids, people

from arrow_zerobus_sdk_wrapper import (
    ConfigurationError,
    RetryExhausted,
    TransmissionError,
    WrapperConfiguration,
    ZerobusWrapper,
)

ENDPOINT = "https://1234567890.zerobus.us-west-2.cloud.databricks.com"

# A silent connection is broken after LACK_OF_ACK_MS; the episode of trouble that starts with the
# first such failure gives up at the first failure past RETRY_TIMEOUT_MS.
LACK_OF_ACK_MS = 300
RETRY_TIMEOUT_MS = 800
FLUSH_TIMEOUT_MS = 5000
SLACK_S = 2.0  # what a loaded 2-core machine may add
RECOVERY_BOUND_S = (2 * LACK_OF_ACK_MS + RETRY_TIMEOUT_MS) / 1000 + SLACK_S

# Every connection falls silent at its first request (each connection consumes one event).
NEVER_ACKNOWLEDGES = {"events": [{"after_requests": 1, "kind": "silence"}] * 300}


def test_stream_count_keyword_property_yaml_and_environment(monkeypatch):
    assert WrapperConfiguration().stream_count == 1
    assert WrapperConfiguration(stream_count=4).stream_count == 4
    assert WrapperConfiguration(stream_count=4).copy(stream_count=8).stream_count == 8
    assert WrapperConfiguration.from_yaml_string("stream_count: 8\n").stream_count == 8
    assert WrapperConfiguration.from_yaml_string("stream: {count: 16}\n").stream_count == 16
    monkeypatch.setenv("ZEROBUS_STREAM_COUNT", "3")
    assert WrapperConfiguration.from_env().stream_count == 3
    assert WrapperConfiguration.environment_variable("stream_count") == "ZEROBUS_STREAM_COUNT"
    # The recovery budget is time-based by default, without an attempt limit.
    assert WrapperConfiguration().retry_timeout_ms == 60000
    assert WrapperConfiguration().retry_max_attempts == 0
    with pytest.raises(TypeError, match="stream_count must be an int"):
        WrapperConfiguration(stream_count="4")


@pytest.mark.parametrize("streams", [0, 65])
def test_stream_count_out_of_range_is_a_configuration_error(streams):
    config = WrapperConfiguration(
        ENDPOINT,
        "main.sales.orders",
        client_id="sp",
        client_secret="secret",
        unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
    )
    with pytest.raises(ConfigurationError, match=f"stream_count is {streams}"):
        config.copy(stream_count=streams).validate()
    with pytest.raises(ConfigurationError, match="stream_count"):
        ZerobusWrapper(config, stream_count=streams)


def test_four_streams_carry_a_table(settings, emulator, table):
    rows, chunk = 20_000, 1_000
    data = pa.Table.from_batches([people(chunk, start=i) for i in range(0, rows, chunk)])
    # Acks that take a while keep every stream busy, so the rows spread over all four (a server
    # that keeps up gets them on the first stream).
    emulator.set_fault_script(table, {"ack_delay_ms": 20})
    with ZerobusWrapper(**settings, stream_count=4) as wrapper:
        assert wrapper.config.stream_count == 4
        result = wrapper.send_batch_sync(data)
        assert result.success, result.summary()
        assert result.successful_count == rows and result.failed_count == 0
        stats = wrapper.stats()
    streams = stats["streams"]
    assert [lane["lane"] for lane in streams] == [0, 1, 2, 3]
    assert all(lane["records_acked"] > 0 for lane in streams), streams
    assert sum(lane["records_acked"] for lane in streams) == rows
    assert stats["streams_opened"] == 4
    if settings["wire_format"] == "protobuf":
        ids = {lane["stream_id"] for lane in streams}
        assert len(ids) == 4 and "" not in ids
        assert set(result.stream_ids) == ids
    assert emulator.counters(table)["streams_created"] == 4
    assert sorted(landed_ids(emulator, table)) == list(range(rows))


def _silent_wrapper(settings, emulator, table, **overrides) -> ZerobusWrapper:
    emulator.set_fault_script(table, NEVER_ACKNOWLEDGES)
    bounds = {
        "server_lack_of_ack_timeout_ms": LACK_OF_ACK_MS,
        "retry_timeout_ms": RETRY_TIMEOUT_MS,
        "retry_max_attempts": 0,
        "flush_timeout_ms": FLUSH_TIMEOUT_MS,
    }
    return ZerobusWrapper(**{**settings, **bounds, **overrides})


def test_send_to_a_server_that_never_acks_ends_within_the_recovery_budget(
    settings, emulator, table
):
    async def main():
        wrapper = _silent_wrapper(settings, emulator, table)
        started = time.monotonic()
        # wait_for only guards against a hang: the bound asserted is below it.
        result = await asyncio.wait_for(wrapper.send_batch(people(10)), timeout=60)
        elapsed = time.monotonic() - started
        flushing = time.monotonic()
        await asyncio.wait_for(wrapper.flush(), timeout=60)
        await asyncio.wait_for(wrapper.shutdown(), timeout=60)
        return result, elapsed, time.monotonic() - flushing, wrapper.stats()

    result, elapsed, closing, stats = asyncio.run(main())
    assert elapsed < RECOVERY_BOUND_S, elapsed
    assert elapsed >= (LACK_OF_ACK_MS + RETRY_TIMEOUT_MS) / 1000, "the budget was spent first"
    assert closing < SLACK_S, closing
    assert not result.success
    assert result.successful_count == 0 and result.failed_count == 10
    assert isinstance(result.error, RetryExhausted), repr(result.error)
    assert not result.error.retryable
    assert result.error.code == "DEADLINE_EXCEEDED"
    assert "Server ack timeout" in result.error.cause
    assert all(isinstance(error, RetryExhausted) for _, error in result.row_errors)
    assert result.group_errors_by_type() == {"RetryExhausted": list(range(10))}
    assert stats["rows_succeeded"] == 0 and stats["rows_failed"] == 10
    assert emulator.counters(table)["acks"] == 0


def test_flush_timeout_bounds_a_send_to_a_server_that_never_acks(settings, emulator, table):
    flush_timeout_ms = 1500
    wrapper = _silent_wrapper(
        settings,
        emulator,
        table,
        server_lack_of_ack_timeout_ms=60_000,
        retry_timeout_ms=60_000,
        flush_timeout_ms=flush_timeout_ms,
    )

    async def main():
        started = time.monotonic()
        result = await asyncio.wait_for(wrapper.send_batch(people(10)), timeout=60)
        return result, time.monotonic() - started

    try:
        result, elapsed = asyncio.run(main())
    finally:
        wrapper.shutdown_sync()
    assert flush_timeout_ms / 1000 <= elapsed < flush_timeout_ms / 1000 + SLACK_S, elapsed
    assert result.failed_count == 10 and result.successful_count == 0
    assert isinstance(result.error, TransmissionError), repr(result.error)
    assert result.error.code == "DEADLINE_EXCEEDED" and result.error.retryable
    assert "flush_timeout" in result.error.cause
    assert emulator.counters(table)["acks"] == 0
