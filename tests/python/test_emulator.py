"""The in-process emulator of the package (arrow_zerobus_sdk_wrapper.emulator), and what the
wrapper reports for the service's refusals."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from support import people

from arrow_zerobus_sdk_wrapper import AuthenticationError, ZerobusError, ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator


def test_declared_tables_and_counters():
    columns = [("id", "BIGINT", False), ("name", "STRING", True), ("score", "DOUBLE", True)]
    with Emulator(tables={"main.app.people": columns}) as emu:
        assert emu.running and emu.endpoint.startswith("http://127.0.0.1:")
        with ZerobusWrapper(**emu.settings("main.app.people")) as wrapper:
            result = wrapper.send_batch_sync(people(4))
        assert result.success
        counters = emu.counters("main.app.people")
        assert counters["records"] == 4 and counters["streams_created"] == 1
        assert len(emu.landed_records("main.app.people")) == 4
        assert emu.tables() == ["main.app.people"]

        # A batch whose columns do not fit the declared table: the stream is refused.
        emu.declare_table("main.app.strict", [("id", "BIGINT", False)])
        with ZerobusWrapper(**emu.settings("main.app.strict"), retry_max_attempts=1) as wrapper:
            refused = wrapper.send_batch_sync(people(2))
        assert not refused.success and refused.failed_count == 2
        assert isinstance(refused.error, ZerobusError)
        assert "name" in refused.error.cause
        assert emu.counters("main.app.strict")["streams_refused"] >= 1
    assert not emu.running
    emu.stop()  # again: nothing to do
    assert repr(emu) == "<Emulator stopped>"


def test_wrong_secret_is_an_authentication_error(emulator, table):
    settings = {**emulator.settings(table), "client_secret": "not-the-secret"}
    with ZerobusWrapper(**settings, retry_max_attempts=1) as wrapper:
        result = wrapper.send_batch_sync(people(2))
    assert not result.success
    assert isinstance(result.error, AuthenticationError)
    assert result.error.code == "UNAUTHENTICATED" and not result.error.retryable
    assert all(isinstance(error, AuthenticationError) for _, error in result.row_errors)
    assert result.group_errors_by_type() == {"AuthenticationError": [0, 1]}
    assert "not-the-secret" not in repr(result.error)


def test_fault_script_errors_name_the_problem(emulator, table):
    with pytest.raises(ZerobusError, match="kind"):
        emulator.set_fault_script(table, {"events": [{"after_requests": 1, "kind": "nope"}]})
    emulator.set_fault_script(table, '{"ack_delay_ms": 1}')  # JSON text works too
    emulator.clear_fault_script(table)


def test_landed_rows_needs_data_dir():
    with Emulator(light=True) as emu, pytest.raises(RuntimeError, match="data_dir"):
        emu.landed_rows("main.a.b")


def test_reconnect_is_reported(settings, emulator, table, wire_format):
    """A connection cut after the first request: the wrapper reconnects and replays what was
    not acknowledged; the result says so."""
    emulator.set_fault_script(table, {"events": [{"after_requests": 1, "kind": "kill"}]})
    with ZerobusWrapper(**settings) as wrapper:
        result = wrapper.send_batch_sync(people(10))
    assert result.success and result.successful_count == 10
    # Arrow Flight gives a stream no id: stream_ids stays empty in that format.
    assert result.attempts >= 2 and len(result.stream_ids) >= (wire_format == "protobuf")
    assert result.requests_replayed >= 1 and result.rows_replayed >= 1
    assert emulator.counters(table)["connections_killed"] == 1


def _legacy_token_request(emu: Emulator, table: str) -> tuple[int, dict]:
    """The token request of databricks-zerobus-ingest-sdk 0.2.0: its TABLE grant has no
    ``operations`` (current clients add ``zerobuswrite``). Returns the status and JSON answer."""
    catalog, schema, _ = table.split(".")
    details = [
        {
            "type": "unity_catalog_privileges",
            "privileges": privileges,
            "object_type": kind,
            "object_full_path": path,
        }
        for kind, path, privileges in [
            ("CATALOG", catalog, ["USE CATALOG"]),
            ("SCHEMA", f"{catalog}.{schema}", ["USE SCHEMA"]),
            ("TABLE", table, ["SELECT", "MODIFY"]),
        ]
    ]
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "scope": "all-apis",
            "authorization_details": json.dumps(details),
        }
    ).encode()
    basic = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    request = urllib.request.Request(
        emu.workspace_url + "/oidc/v1/token", data=body, headers={"Authorization": f"Basic {basic}"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the emulator is local
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_require_zerobuswrite_refuses_older_clients_token_requests(table):
    with Emulator() as emu:
        status, answer = _legacy_token_request(emu, table)
        assert status == 200 and answer["access_token"], answer
        # The package's own client sends zerobuswrite: it writes in both modes.
        with ZerobusWrapper(**emu.settings(table)) as wrapper:
            assert wrapper.send_batch_sync(people(2)).all_rows_landed
    with Emulator(require_zerobuswrite=True) as emu:
        status, answer = _legacy_token_request(emu, table)
        assert status == 400 and answer["error"] == "invalid_request", answer
        assert "lacks the zerobuswrite operation" in answer["error_description"]
        assert "--require-zerobuswrite" in answer["error_description"]
        with ZerobusWrapper(**emu.settings(table)) as wrapper:
            assert wrapper.send_batch_sync(people(2)).all_rows_landed
