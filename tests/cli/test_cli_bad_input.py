"""Bad input to the command line (issue 15, section 5): every `zerobus-arrow` subcommand given
bad flags, values, files, environment variables and text that is not UTF-8. Each case must end by
itself (within 60 s) with its exit status and a message naming what is wrong: 2 for usage and
configuration, 1 for a file that cannot be read, 3 for refused credentials; never a signal, an
abort, or exit 0 with something silently left out. The emulator binary's own flags are walked by
emulator_fails_loudly_test.sh. docs/reliability.md lists what is tried here.

ctest runs it (cli_bad_input) with ARROW_ZEROBUS_CLI and ARROW_ZEROBUS_EMULATOR set to the
binaries of the build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


# Absolute: the commands run in the scratch directory.
def _binary(variable: str) -> str:
    return os.path.abspath(os.environ[variable]) if os.environ.get(variable) else ""


CLI = _binary("ARROW_ZEROBUS_CLI")
EMULATOR = _binary("ARROW_ZEROBUS_EMULATOR")
pytestmark = pytest.mark.skipif(
    not CLI or not EMULATOR,
    reason="ARROW_ZEROBUS_CLI and ARROW_ZEROBUS_EMULATOR are not set (ctest's cli_bad_input "
    "sets them to the build's binaries)",
)

NOT_UTF8 = b"\xff\xfe"
MAX_DURATION = r"2592000000 \(30 days\)"
# What only a crash leaves behind.
CRASH_SIGNS = ("terminate called", "Aborted", "Segmentation fault", "core dumped")


@dataclass
class Case:
    name: str
    args: list[str | bytes]
    status: int
    pattern: str  # a regular expression the output (stderr, then stdout) must match
    env: dict[str, str | bytes] = field(default_factory=dict)
    writer_disabled: bool = True  # --writer-disabled --debug-dir and a table, for send cases


def send(*args: str | bytes) -> list[str | bytes]:
    return ["send", *args]


# {work} is the scratch directory the `inputs` fixture fills.
SEND_CASES = [
    # ---- flags and their values
    Case("no-input", ["send"], 2, "give at least one input FILE"),
    Case("unknown-flag", send("{work}/ok.parquet", "--frobnicate"), 2, "unknown option --frob"),
    Case(
        "flag-without-value",
        ["send", "{work}/ok.parquet", "--table"],
        2,
        "--table needs a value",
        writer_disabled=False,
    ),
    Case("no-value-flag", send("{work}/ok.parquet", "--quiet=yes"), 2, "--quiet takes no value"),
    *[
        Case(
            f"batch-rows-{v}",
            send("{work}/ok.parquet", "--batch-rows", v),
            2,
            f"--batch-rows takes a positive integer, not '{v}'",
        )
        for v in ["0", "-5", "abc", "1e3", "", "99999999999999999999"]
    ],
    *[
        Case(
            f"stop-timeout-{v}",
            send("{work}/ok.parquet", "--stop-timeout", v),
            2,
            f"--stop-timeout takes whole seconds from 0 to 86400, not '{v}'",
        )
        for v in ["-1", "1.5", "86401", "x"]
    ],
    Case("streams-0", send("{work}/ok.parquet", "--streams", "0"), 2, "stream_count is 0"),
    Case("streams-65", send("{work}/ok.parquet", "--streams", "65"), 2, "between 1 and 64"),
    Case(
        "streams-x",
        send("{work}/ok.parquet", "--streams", "x"),
        2,
        "stream_count: 'x' is not an integer",
    ),
    Case(
        "wire-format",
        send("{work}/ok.parquet", "--format", "json"),
        2,
        "wire_format: 'json' is not a wire format",
    ),
    Case(
        "input-format",
        send("{work}/ok.parquet", "--input-format", "xml"),
        2,
        "unknown input format 'xml'",
    ),
    Case(
        "set-no-equals", send("{work}/ok.parquet", "--set", "novalue"), 2, "--set takes KEY=VALUE"
    ),
    Case(
        "set-unknown-key",
        send("{work}/ok.parquet", "--set", "retry_max_attempt=3"),
        2,
        "retry_max_attempt.*did you mean 'retry_max_attempts'",
    ),
    Case(
        "set-bad-bool",
        send("{work}/ok.parquet", "--set", "recovery=maybe"),
        2,
        "recovery: 'maybe' is not a boolean",
    ),
    Case(
        "set-hex",
        send("{work}/ok.parquet", "--set", "worker_threads=0x10"),
        2,
        "worker_threads: '0x10' is not an integer",
    ),
    Case(
        "set-negative-window",
        send("{work}/ok.parquet", "--set", "max_inflight_bytes=-1"),
        2,
        "max_inflight_bytes is -1 but must be at least 1",
    ),
    # Durations that overflowed the deadlines built from them: the connect hung, flush_timeout
    # failed every request at once.
    *[
        Case(
            f"huge-{key}",
            send("{work}/ok.parquet", "--set", f"{key}=9223372036854775807"),
            2,
            f"{key} is 9223372036854775807 but must be at most {MAX_DURATION}",
        )
        for key in [
            "connect_timeout_ms",
            "flush_timeout_ms",
            "retry_timeout_ms",
            "server_lack_of_ack_timeout_ms",
        ]
    ],
    # ---- table, endpoint and URLs
    Case(
        "table-empty",
        [
            "send",
            "{work}/ok.parquet",
            "--writer-disabled",
            "--debug-dir",
            "{work}/debug",
            "--table",
            "",
        ],
        2,
        "table_name is empty",
        writer_disabled=False,
    ),
    Case(
        "table-two-parts",
        [
            "send",
            "{work}/ok.parquet",
            "--writer-disabled",
            "--debug-dir",
            "{work}/debug",
            "--table",
            "a.b",
        ],
        2,
        "must have exactly 3 parts",
        writer_disabled=False,
    ),
    Case(
        "table-not-utf8",
        [
            "send",
            "{work}/ok.parquet",
            "--writer-disabled",
            "--debug-dir",
            "{work}/debug",
            "--table",
            b"a.b." + NOT_UTF8,
        ],
        2,
        r"table_name: table name \(6 bytes\) is not valid UTF-8",
        writer_disabled=False,
    ),
    Case(
        "endpoint-scheme",
        [
            "send",
            "{work}/ok.parquet",
            "--table",
            "a.b.c",
            "--endpoint",
            "ftp://host",
            "--unity-catalog-url",
            "https://uc",
            "--client-id",
            "i",
            "--client-secret",
            "s",
        ],
        2,
        "has scheme 'ftp'",
        writer_disabled=False,
    ),
    Case(
        "endpoint-port",
        [
            "send",
            "{work}/ok.parquet",
            "--table",
            "a.b.c",
            "--endpoint",
            "http://127.0.0.1:99999",
            "--unity-catalog-url",
            "https://uc",
            "--client-id",
            "i",
            "--client-secret",
            "s",
        ],
        2,
        "invalid port '99999'",
        writer_disabled=False,
    ),
    Case(
        "endpoint-newline",
        [
            "send",
            "{work}/ok.parquet",
            "--table",
            "a.b.c",
            "--endpoint",
            "http://127.0.0.1:1\n",
            "--unity-catalog-url",
            "https://uc",
            "--client-id",
            "i",
            "--client-secret",
            "s",
        ],
        2,
        "zerobus_endpoint",
        writer_disabled=False,
    ),
    # A URL curl refused only when the first token was fetched, after rows had been read.
    Case(
        "uc-url-control",
        [
            "send",
            "{work}/ok.parquet",
            "--table",
            "a.b.c",
            "--endpoint",
            "http://127.0.0.1:1",
            "--unity-catalog-url",
            b"http://uc/" + NOT_UTF8 + b"\n",
            "--client-id",
            "i",
            "--client-secret",
            "s",
        ],
        2,
        "(?s)unity_catalog_url .*without spaces or control characters",
        writer_disabled=False,
    ),
    Case(
        "no-credentials",
        [
            "send",
            "{work}/ok.parquet",
            "--table",
            "a.b.c",
            "--endpoint",
            "http://127.0.0.1:1",
            "--unity-catalog-url",
            "https://uc",
        ],
        2,
        "client_id and client_secret are empty",
        writer_disabled=False,
    ),
    # ---- files named by flags
    Case(
        "config-missing",
        send("{work}/ok.parquet", "--config", "{work}/none.yaml"),
        2,
        "configuration file '.*none.yaml' does not exist",
    ),
    Case(
        "config-directory",
        send("{work}/ok.parquet", "--config", "{work}"),
        2,
        "is not a regular file",
    ),
    Case(
        "config-garbage",
        send("{work}/ok.parquet", "--config", "{work}/garbage.yaml"),
        2,
        "garbage.yaml:.*YAML syntax error",
    ),
    Case(
        "config-list",
        send("{work}/ok.parquet", "--config", "{work}/list.yaml"),
        2,
        "list.yaml:1: the top level must be a mapping",
    ),
    Case(
        "config-huge",
        send("{work}/ok.parquet", "--config", "{work}/huge.yaml"),
        2,
        f"flush_timeout_ms is 9223372036854775807 but must be at most {MAX_DURATION}",
    ),
    Case(
        "schema-missing",
        send("{work}/ok.csv", "--schema", "{work}/none.json"),
        2,
        "--schema .*none.json",
    ),
    Case(
        "schema-directory",
        send("{work}/ok.csv", "--schema", "{work}"),
        2,
        "--schema .*is a directory",
    ),
    Case(
        "schema-bad-type",
        send("{work}/ok.csv", "--schema", "{work}/bad_schema.json"),
        2,
        "--schema .*bad_schema.json.*'decimal\\(1\\)'",
    ),
    Case(
        "quarantine-extension",
        send("{work}/ok.parquet", "--quarantine", "{work}/q.txt"),
        2,
        "--quarantine .*q.txt: use .arrows",
    ),
    # These three were found only after every row had been sent (the first two: exit 1 at the
    # end; the third overwrote the input with the quarantine file, and exited 0).
    Case(
        "quarantine-directory",
        send("{work}/ok.parquet", "--quarantine", "{work}/q.arrows"),
        2,
        "--quarantine .*q.arrows is a directory",
    ),
    Case(
        "quarantine-no-directory",
        send("{work}/ok.parquet", "--quarantine", "{work}/none/q.parquet"),
        2,
        "--quarantine .*q.parquet: directory .*none does not exist",
    ),
    Case(
        "quarantine-is-input",
        send("{work}/rows.arrows", "--quarantine", "{work}/rows.arrows"),
        2,
        "--quarantine .*rows.arrows is also an input file",
    ),
    Case(
        "debug-dir-uncreatable",
        [
            "send",
            "{work}/ok.parquet",
            "--writer-disabled",
            "--table",
            "a.b.c",
            "--debug-dir",
            "{work}/ok.parquet/sub",
        ],
        2,
        "ok.parquet/sub",
        writer_disabled=False,
    ),
    # ---- inputs
    Case("input-missing", send("{work}/none.parquet"), 1, "cannot read .*none.parquet: no such"),
    Case("input-empty-directory", send("{work}/empty"), 2, "holds no input file"),
    Case("input-pattern-no-match", send("{work}/*.nothing"), 2, r"\*\.nothing"),
    Case("input-unknown-extension", send("{work}/garbage.yaml"), 2, "garbage.yaml.*extension"),
    Case("input-garbage-arrow", send("{work}/garbage.arrows"), 1, "garbage.arrows"),
    Case("input-parquet-gz", send("{work}/ok.parquet.gz"), 2, "Parquet compresses its pages"),
    Case("input-stdin-no-format", send("-"), 2, "standard input"),
    Case("input-not-utf8-name", send(b"{work}/" + NOT_UTF8 + b".parquet"), 1, "no such file"),
    # ---- environment variables (ZEROBUS_*), named in the message
    Case(
        "env-bad-int",
        send("{work}/ok.parquet"),
        2,
        "ZEROBUS_STREAM_COUNT.*'many'",
        env={"ZEROBUS_STREAM_COUNT": "many"},
    ),
    Case(
        "env-negative",
        send("{work}/ok.parquet"),
        2,
        "stream_count is -1",
        env={"ZEROBUS_STREAM_COUNT": "-1"},
    ),
    Case(
        "env-huge",
        send("{work}/ok.parquet"),
        2,
        f"retry_timeout_ms .*{MAX_DURATION}",
        env={"ZEROBUS_RETRY_TIMEOUT_MS": "9223372036854775807"},
    ),
    Case(
        "env-wire-format",
        send("{work}/ok.parquet"),
        2,
        "ZEROBUS_WIRE_FORMAT.*'json'",
        env={"ZEROBUS_WIRE_FORMAT": "json"},
    ),
    Case(
        "env-table-not-utf8",
        ["send", "{work}/ok.parquet", "--writer-disabled", "--debug-dir", "{work}/debug"],
        2,
        "table name \\(6 bytes\\) is not valid UTF-8",
        env={"ZEROBUS_TABLE_NAME": b"a.b." + NOT_UTF8},
        writer_disabled=False,
    ),
]

OTHER_CASES = [
    Case("no-command", [], 2, "give a command"),
    Case("unknown-command", ["frobnicate"], 2, "unknown command 'frobnicate'"),
    Case("version-argument", ["version", "extra"], 2, "version takes no arguments, not 'extra'"),
    Case("debug-nothing", ["debug"], 2, "give a subcommand"),
    Case("debug-unknown", ["debug", "frob"], 2, "unknown subcommand 'frob'"),
    Case("debug-no-file", ["debug", "read"], 2, "give the FILE to read"),
    Case("debug-two-files", ["debug", "read", "a.pbs", "b.pbs"], 2, "give one FILE"),
    Case("debug-extension", ["debug", "read", "{work}/ok.parquet"], 2, "is not a debug file"),
    Case(
        "debug-to-arrow-missing",
        ["debug", "read", "{work}/x.arrows", "--to-arrow"],
        2,
        "--to-arrow needs a value",
    ),
    Case(
        "debug-to-arrow-empty",
        ["debug", "read", "{work}/x.arrows", "--to-arrow="],
        2,
        "--to-arrow needs a value",
    ),
    # It named the descriptor a .pbs file would be read with, not the file that is missing.
    Case("debug-missing-pbs", ["debug", "read", "{work}/none.pbs"], 1, "none.pbs: no such file"),
    Case(
        "debug-missing-arrows",
        ["debug", "read", "{work}/none.arrows"],
        1,
        "none.arrows: no such file",
    ),
    Case("debug-directory", ["debug", "read", "{work}/dir.pbs"], 2, "dir.pbs is a directory"),
    Case("debug-garbage", ["debug", "read", "{work}/garbage.arrows"], 1, "garbage.arrows"),
    Case("debug-empty", ["debug", "read", "{work}/empty.arrows"], 1, "empty.arrows"),
    Case(
        "debug-pbs-without-descriptor",
        ["debug", "read", "{work}/lone/records/x.pbs"],
        1,
        "x.pbs: .*descriptors/x.desc",
    ),
    Case("demo-missing", ["demo", "{work}/none.jsonl"], 1, "none.jsonl"),
    Case("demo-directory", ["demo", "{work}"], 1, "is a directory"),
    Case("demo-two-files", ["demo", "a", "b"], 2, "demo takes at most one FILE"),
    Case("emulator-bad-port", ["emulator", "--port", "-1"], 2, "--port must not be negative"),
    Case("emulator-unknown", ["emulator", "--bogus"], 2, "unknown option --bogus"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("cli_bad_input")
    table = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": ["a", "b", "c"]})
    pq.write_table(table, work / "ok.parquet")
    (work / "ok.parquet.gz").write_bytes(b"not really")
    (work / "ok.csv").write_text("id,name\n1,a\n2,b\n")
    with pa.OSFile(str(work / "rows.arrows"), "wb") as sink:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    (work / "garbage.arrows").write_bytes(b"garbage, not Arrow IPC")
    (work / "empty.arrows").write_bytes(b"")
    (work / "garbage.yaml").write_bytes(b"a: [\n\t- \xff")
    (work / "list.yaml").write_text("- a\n- b\n")
    (work / "huge.yaml").write_text("flush_timeout_ms: 9223372036854775807\n")
    (work / "bad_schema.json").write_text(json.dumps({"amount": "decimal(1)"}))
    (work / "q.arrows").mkdir()
    (work / "dir.pbs").mkdir()
    (work / "empty").mkdir()
    (work / "lone" / "records").mkdir(parents=True)
    (work / "lone" / "records" / "x.pbs").write_bytes(b"\x00")
    return work


def expand(arg: str | bytes, work: Path) -> str | bytes:
    if isinstance(arg, bytes):
        return arg.replace(b"{work}", os.fsencode(work))
    return arg.replace("{work}", str(work))


def run(args: list[str | bytes], env: dict[str, str | bytes], cwd: Path, timeout: float = 60):
    environment = {k: v for k, v in os.environb.items() if not k.startswith(b"ZEROBUS_")}
    environment.update({os.fsencode(k): os.fsencode(v) for k, v in env.items()})
    started = time.monotonic()
    try:
        done = subprocess.run(
            [CLI, *args], env=environment, cwd=cwd, capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"zerobus-arrow {args} was still running after {timeout} s")
    return done, time.monotonic() - started


def check(case: Case, args: list[str | bytes], done: subprocess.CompletedProcess) -> None:
    err = done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8", "replace")
    shown = f"zerobus-arrow {args!r}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert done.returncode >= 0, f"ended by signal {-done.returncode}: {shown}"
    assert not any(sign in err + out for sign in CRASH_SIGNS), shown
    assert done.returncode == case.status, shown
    assert re.search(case.pattern, err) or re.search(case.pattern, out), (
        f"/{case.pattern}/ is not in the output: {shown}"
    )


@pytest.mark.parametrize("case", SEND_CASES, ids=[case.name for case in SEND_CASES])
def test_send(case: Case, inputs: Path):
    args = [expand(arg, inputs) for arg in case.args]
    if case.writer_disabled:
        args += ["--writer-disabled", "--debug-dir", str(inputs / "debug"), "--table", "a.b.c"]
    done, _ = run(args, case.env, inputs)
    check(case, args, done)
    if case.status == 2:
        # A usage or configuration error stops before anything is read or sent.
        assert b"rows:" not in done.stdout, done.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("case", OTHER_CASES, ids=[case.name for case in OTHER_CASES])
def test_other_commands(case: Case, inputs: Path):
    args = [expand(arg, inputs) for arg in case.args]
    done, _ = run(args, case.env, inputs)
    check(case, args, done)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory):
    """zerobus-emulator on ports the OS picks; yields its ready file's contents."""
    work = tmp_path_factory.mktemp("cli_bad_input_emulator")
    ready = work / "ready.json"
    with open(work / "emulator.log", "wb") as log:
        process = subprocess.Popen(
            [EMULATOR, "--port", "0", "--http-port", "0", "--ready-file", str(ready)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while not (ready.exists() and ready.stat().st_size > 0):
        assert process.poll() is None, (work / "emulator.log").read_text()
        assert time.monotonic() < deadline, "the emulator wrote no ready file within 30 s"
        time.sleep(0.02)
    yield json.loads(ready.read_text())
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize(
    ("client_id", "secret", "status", "pattern"),
    [
        # The emulator's token endpoint answered HTTP 500 (a retryable server error: exit 4
        # after the retries) to a client id that is not UTF-8, which it quotes in its refusal.
        (b"client-" + NOT_UTF8, b"emulator-secret", 3, "invalid_client"),
        (b"emulator-client", b"secret\n" + NOT_UTF8, 3, "invalid_client"),
        (b"emulator-client\n", b"emulator-secret", 3, "invalid_client"),
    ],
    ids=["id-not-utf8", "secret-not-utf8", "id-newline"],
)
def test_credentials_that_are_not_utf8_are_refused_as_credentials(
    emulator, inputs, client_id, secret, status, pattern
):
    args = [
        "send",
        str(inputs / "ok.parquet"),
        "--table",
        "main.default.bad_input",
        "--endpoint",
        emulator["endpoint"],
        "--unity-catalog-url",
        emulator["workspace_url"],
        "--quiet",
        "--set",
        "retry_timeout_ms=2000",
    ]
    env = {"ZEROBUS_CLIENT_ID": client_id, "ZEROBUS_CLIENT_SECRET": secret}
    done, seconds = run(args, env, inputs)
    check(Case("credentials", args, status, pattern), args, done)
    assert seconds < 30, f"a refusal took {seconds:.1f} s"
    out = done.stdout.decode("utf-8", "replace")
    assert "rows:        3 total, 0 succeeded, 3 failed" in out, out


@pytest.mark.parametrize(
    ("endpoint_key", "url_key", "status", "pattern"),
    [
        # The token URL points at the gRPC port, the endpoint at the HTTP port.
        ("endpoint", "endpoint", 2, "cannot reach the token endpoint .*/oidc/v1/token"),
        ("workspace_url", "workspace_url", 4, "Trying to connect an http1.x server"),
    ],
    ids=["token-url-is-grpc", "endpoint-is-http"],
)
def test_urls_of_the_wrong_service_fail_naming_it(
    emulator, inputs, endpoint_key, url_key, status, pattern
):
    args = [
        "send",
        str(inputs / "ok.parquet"),
        "--table",
        "main.default.bad_input",
        "--endpoint",
        emulator[endpoint_key],
        "--unity-catalog-url",
        emulator[url_key],
        "--quiet",
        "--set",
        "retry_timeout_ms=1500",
        "--set",
        "connect_timeout_ms=1000",
    ]
    env = {"ZEROBUS_CLIENT_ID": "emulator-client", "ZEROBUS_CLIENT_SECRET": "emulator-secret"}
    done, seconds = run(args, env, inputs)
    check(Case("wrong-service", args, status, pattern), args, done)
    assert seconds < 30, f"took {seconds:.1f} s with a 1.5 s retry budget"
