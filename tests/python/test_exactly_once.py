"""delivery="exactly_once" from Python (issue 21): the setting in every form, refused with the
Arrow wire format and for other values by name; against connections cut every few requests, every
row lands exactly once where at_least_once lands some twice; the lanes' stats name the persistent
streams, their resumes and the offset each continues after; a new wrapper resumes them with
resume_stream_ids (open_streams says what they committed) and its offsets continue; open_streams
is refused with at_least_once and after the first send."""

from __future__ import annotations

import collections

import pytest
from support import landed_ids, people

from arrow_zerobus_sdk_wrapper import ConfigurationError, WrapperConfiguration, ZerobusWrapper

CUT_EVERY_4_REQUESTS = {"kill_every_requests": 4, "ack_delay_ms": 20}


def test_delivery_keyword_yaml_and_environment(monkeypatch):
    assert WrapperConfiguration().delivery == "at_least_once"
    assert WrapperConfiguration(delivery="exactly_once").delivery == "exactly_once"
    assert WrapperConfiguration.from_yaml_string("delivery: exactly_once\n").delivery == (
        "exactly_once"
    )
    monkeypatch.setenv("ZEROBUS_DELIVERY", "exactly_once")
    assert WrapperConfiguration.from_env().delivery == "exactly_once"


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"delivery": "exactly-once"}, "delivery 'exactly-once' must be at_least_once or"),
        (
            {"delivery": "exactly_once", "wire_format": "arrow"},
            "delivery exactly_once needs wire_format protobuf",
        ),
        ({"resume_stream_ids": "a,b"}, "only persistent streams"),
        (
            {"delivery": "exactly_once", "resume_stream_ids": "a,b"},
            "resume_stream_ids names 2 stream(s) but stream_count is 1",
        ),
    ],
)
def test_bad_settings_are_refused_by_name(emulator, table, keywords, message):
    with pytest.raises(ConfigurationError) as refused:
        ZerobusWrapper(**emulator.settings(table), **keywords)
    assert message in str(refused.value)


def send_through_cuts(emulator, table, delivery: str, batches: int = 20, rows: int = 100):
    emulator.set_fault_script(table, CUT_EVERY_4_REQUESTS)
    settings = {
        **emulator.settings(table),
        "retry_base_delay_ms": 10,
        "retry_max_delay_ms": 200,
        "delivery": delivery,
        "max_inflight_requests": 3,
    }
    with ZerobusWrapper(**settings) as wrapper:
        for i in range(batches):
            result = wrapper.send_batch_sync(people(rows, start=i * rows))
            assert result.all_rows_landed, result.error
        stats = wrapper.stats()
    return collections.Counter(landed_ids(emulator, table)), stats


def test_cut_connections_land_every_row_once(emulator, table):
    landed, stats = send_through_cuts(emulator, table + "_eo", "exactly_once")
    assert sorted(landed) == list(range(2000)) and max(landed.values()) == 1
    (lane,) = stats["streams"]
    assert lane["resumes"] >= 3
    assert lane["requests_committed_on_resume"] >= lane["resumes"]
    assert lane["last_acked_offset"] == 19

    control, _ = send_through_cuts(emulator, table + "_alo", "at_least_once")
    assert set(control) == set(range(2000))
    assert max(control.values()) == 2, "at least once: the cut requests landed twice"


def test_a_new_wrapper_resumes_the_streams_by_id(emulator, table):
    settings = {**emulator.settings(table), "delivery": "exactly_once"}
    with ZerobusWrapper(**settings) as first:
        assert first.send_batch_sync(people(5)).all_rows_landed
        (lane,) = first.stats()["streams"]
    stream_id, last = lane["stream_id"], lane["last_acked_offset"]
    assert last == 0

    with ZerobusWrapper(**settings, resume_stream_ids=stream_id) as second:
        (opened,) = second.open_streams(people(1).schema)
        assert opened["stream_id"] == stream_id
        assert opened["last_acked_offset"] == 0, "what the first wrapper committed"
        assert second.send_batch_sync(people(5, start=5)).all_rows_landed
        (resumed,) = second.stats()["streams"]
    assert resumed["stream_id"] == stream_id
    assert resumed["resumes"] == 1
    assert resumed["last_acked_offset"] == 1, "offsets continue after the committed one"
    assert sorted(landed_ids(emulator, table)) == list(range(10))


def test_open_streams_only_for_exactly_once_before_the_first_send(emulator, table):
    with ZerobusWrapper(**emulator.settings(table)) as wrapper:
        with pytest.raises(ConfigurationError, match="open_streams is for delivery exactly_once"):
            wrapper.open_streams(people(1).schema)
    settings = {**emulator.settings(table), "delivery": "exactly_once"}
    with ZerobusWrapper(**settings) as wrapper:
        assert wrapper.send_batch_sync(people(2)).all_rows_landed
        with pytest.raises(ConfigurationError, match="must come before the first send"):
            wrapper.open_streams(people(1).schema)
