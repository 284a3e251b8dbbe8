"""Conformance: databricks-zerobus-ingest-sdk 0.2.0, an older official client, against the emulator.

0.2.0 is the pure-Python grpcio client that came before the SDK's Rust core. It cannot share the
main venv with the current SDK (both are the `zerobus` package), so it lives in .venv-sdk020
(scripts/setup_legacy_sdk.sh, run by scripts/test.sh, installs legacy/requirements.txt) and each
test runs legacy/sdk020_driver.py there as a subprocess; what landed is read here, with pyarrow,
from the emulator's data directory.

What 0.2.0 does differently from current clients, and how the tests meet it:
* Its token request's TABLE grant has no `operations` (no `zerobuswrite`); the emulator accepts
  that unless started with --require-zerobuswrite.
* It always connects with grpc.secure_channel(host, grpc.ssl_channel_credentials()), with no
  option for plaintext or for a CA of its own. The emulator serves TLS (--tls-cert/--tls-key) with
  a certificate for 127.0.0.1 from a CA made here with Debian's openssl, and the driver trusts that
  CA through gRPC's GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, which is where gRPC reads its default roots.
* It sends one record per request and derives the workspace id from the endpoint's first label
  ("127" for 127.0.0.1), which the emulator checks with --workspace-id 127.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LEGACY_PYTHON = REPO / ".venv-sdk020" / "bin" / "python"
DRIVER = Path(__file__).resolve().parent / "legacy" / "sdk020_driver.py"
TABLE = "main.default.legacy"
RECORDS = 10_000
DRIVER_TIMEOUT_S = 180
# The proxies of the environment would take the loopback connections elsewhere.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "grpc_proxy", "all_proxy", "no_proxy")


@pytest.fixture(scope="module")
def legacy_python() -> Path:
    if not (LEGACY_PYTHON.is_file() and os.access(LEGACY_PYTHON, os.X_OK)):
        pytest.fail(
            f"the databricks-zerobus-ingest-sdk 0.2.0 venv is missing ({LEGACY_PYTHON}): "
            "run scripts/setup_legacy_sdk.sh (scripts/test.sh does)",
            pytrace=False,
        )
    return LEGACY_PYTHON


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test CA and a server certificate it signed for 127.0.0.1 and localhost (EC P-256)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl not found: install Debian's openssl (scripts/setup.sh does)")
    d = tmp_path_factory.mktemp("tls")
    files = {name: d / f"{name}.pem" for name in ("ca", "ca_key", "cert", "key", "csr")}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n"
    )
    commands = [
        ["req", "-x509", *ec, "-keyout", files["ca_key"], "-out", files["ca"], "-days", "2"]
        + ["-subj", "/CN=arrow-zerobus conformance test CA"]
        + ["-addext", "basicConstraints=critical,CA:TRUE"]
        + ["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", *ec, "-keyout", files["key"], "-out", files["csr"], "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", files["csr"], "-CA", files["ca"], "-CAkey", files["ca_key"]]
        + ["-CAcreateserial", "-out", files["cert"], "-days", "2", "-extfile", d / "ext.cnf"],
    ]
    for command in commands:
        done = subprocess.run([openssl, *map(str, command)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"openssl {command[0]} failed ({done.returncode}): {done.stderr}")
    return files


def start_tls_emulator(start_emulator, tls_files, *extra: str, fault_script=None):
    emulator = start_emulator(
        fault_script=fault_script,
        args=(
            *("--tls-cert", str(tls_files["cert"]), "--tls-key", str(tls_files["key"])),
            *("--workspace-id", "127"),
            *extra,
        ),
    )
    assert emulator.endpoint.startswith("https://127.0.0.1:"), emulator.endpoint
    return emulator


def run_sdk020(legacy_python, tls_files, emulator, **options: Any) -> dict[str, Any]:
    """Runs the driver: create, ingest RECORDS records, wait for their acks, flush, close.
    Returns its report; a driver that crashes or prints no report fails the test."""
    settings = {
        "endpoint": emulator.endpoint.removeprefix("https://"),  # 0.2.0 takes host:port
        "workspace_url": emulator.workspace_url,
        "table": TABLE,
        "client_id": "emulator-client",
        "client_secret": "emulator-secret",
        "records": RECORDS,
        # small timeouts, so that a failing scenario ends in seconds
        "options": {
            "recovery_backoff_ms": 50,
            "recovery_timeout_ms": 5000,
            "recovery_retries": 3,
            "server_lack_of_ack_timeout_ms": 10_000,
            "flush_timeout_ms": 60_000,
            **options,
        },
    }
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}
    env.pop("PYTHONPATH", None)
    env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(tls_files["ca"])
    try:
        done = subprocess.run(
            [str(legacy_python), str(DRIVER), json.dumps(settings)],
            capture_output=True,
            text=True,
            env=env,
            timeout=DRIVER_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the 0.2.0 driver did not finish within {DRIVER_TIMEOUT_S} s: {error.stderr}")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(f"the 0.2.0 driver exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    report = json.loads(lines[-1])
    report["stderr"] = done.stderr
    print(f"sdk 0.2.0: {json.dumps({k: v for k, v in report.items() if k != 'stderr'})}")
    return report


def landed_per_stream(emulator) -> list[list[int]]:
    """The ids landed by each stream, streams in the order of their first id; every row checked
    to be the one the driver made for its id."""
    streams = []
    for rows in emulator.streams(TABLE).values():
        assert all(row == {"id": row["id"], "name": f"row {row['id']}"} for row in rows)
        streams.append([row["id"] for row in rows])
    return sorted((ids for ids in streams if ids), key=lambda ids: ids[0])


def test_sdk020_ingests_10000_records_over_tls(start_emulator, legacy_python, tls_files):
    emulator = start_tls_emulator(start_emulator, tls_files)
    report = run_sdk020(legacy_python, tls_files, emulator)
    assert report["ok"], report
    assert (report["acked"], report["state"]) == (RECORDS, "CLOSED")
    assert report["first_stream_id"] == report["last_stream_id"]

    assert landed_per_stream(emulator) == [list(range(RECORDS))]
    assert list(emulator.streams(TABLE)) == [report["first_stream_id"]]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1 and counters["streams_refused"] == 0
    assert counters["requests"] == counters["records"] == RECORDS  # one record per request
    assert counters["connections_killed"] == 0


RECOVERY_SCRIPTS = {
    # every connection cut after 3,000 requests: the last one landed, its ack lost
    "kill_every_3000": {"kill_every_requests": 3000},
    # the service's stream timeout (refused request), a close signal, then a cut
    "6002_close_signal_kill": {
        "events": [
            {"after_requests": 2500, "kind": "unavailable_6002"},
            {"after_requests": 2500, "kind": "close_signal", "duration_ms": 300},
            {"after_requests": 2000, "kind": "kill"},
        ]
    },
}


@pytest.mark.parametrize("script", RECOVERY_SCRIPTS, ids=list(RECOVERY_SCRIPTS))
def test_sdk020_recovers_and_every_record_lands(start_emulator, legacy_python, tls_files, script):
    """0.2.0 reconnects on its own and re-sends what was not acknowledged: every record lands at
    least once; duplicates are only the re-sent records that had landed before a cut."""
    emulator = start_tls_emulator(
        start_emulator, tls_files, fault_script={TABLE: RECOVERY_SCRIPTS[script]}
    )
    report = run_sdk020(legacy_python, tls_files, emulator)
    assert report["ok"], report
    assert (report["acked"], report["state"]) == (RECORDS, "CLOSED")
    assert report["first_stream_id"] != report["last_stream_id"]

    streams = landed_per_stream(emulator)
    counters = emulator.table_counters(TABLE)
    reconnects = counters["connections_killed"] + counters["close_signals"]
    reconnects += 1 if script.startswith("6002") else 0  # the 6002 error ends a connection too
    assert counters["streams_created"] == len(streams) == reconnects + 1 >= 2
    landed = [i for ids in streams for i in ids]
    assert set(landed) == set(range(RECORDS))  # nothing lost
    # Each stream sends its ids in order without repeating one; the next stream starts with the
    # records its predecessor had not seen acknowledged, so a duplicate is a suffix of one stream
    # that is also the start of the next.
    duplicates = 0
    for earlier, later in itertools.pairwise(streams):
        assert earlier == sorted(set(earlier)) and later == sorted(set(later))
        overlap = [i for i in later if i <= earlier[-1]]
        assert overlap == earlier[len(earlier) - len(overlap) :] == later[: len(overlap)]
        duplicates += len(overlap)
    counts = Counter(landed)
    assert duplicates == len(landed) - RECORDS == sum(n - 1 for n in counts.values())
    assert counters["records"] == len(landed)
    print(f"{script}: {len(streams)} streams, {duplicates} duplicates", file=sys.stderr)


def test_sdk020_token_refused_with_require_zerobuswrite(start_emulator, legacy_python, tls_files):
    """The strict mode refuses 0.2.0's token request (no zerobuswrite operation); 0.2.0 reports
    that as a NonRetriableException from create_stream and sends nothing."""
    emulator = start_tls_emulator(start_emulator, tls_files, "--require-zerobuswrite")
    report = run_sdk020(legacy_python, tls_files, emulator)
    assert not report["ok"] and report["stage"] == "create_stream", report
    assert report["error"] == "NonRetriableException"
    # 0.2.0 keeps only requests' text of the HTTP status, not the emulator's description.
    assert "400 Client Error" in report["message"] and "/oidc/v1/token" in report["message"]
    assert emulator.streams(TABLE) == {}
    assert TABLE not in emulator.stop()  # no stream was ever attempted
