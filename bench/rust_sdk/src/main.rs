//! Throughput of the official Databricks Zerobus Rust SDK (crate databricks-zerobus-ingest-sdk
//! 3.1.1) against a running Zerobus-compatible server: the baseline our benchmark compares with.
//!
//! All inputs are loaded before timing. Per round: open a stream (not timed); time from the first
//! batch handed to the SDK until flush() returns (everything acknowledged), measuring wall time
//! and the process's CPU time; check that every row was acknowledged; close (not timed). One
//! `RESULT {json}` line per round on stdout; everything else goes to stderr.

mod inputs;
mod probes;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use databricks_zerobus_ingest_sdk::{ArrowCompression, OffsetId, ZerobusSdk};

use probes::{AckLog, Region};

const CLIENT: &str = "official-rust-sdk-3.1.1";

const USAGE: &str = "\
usage: zerobus-rust-sdk-bench --endpoint URL --workspace-url URL --inputs DIR --mode MODE
                              [--rounds N] [--table NAME] [--client-id ID] [--client-secret S]
                              [--worker-threads N] [--no-compact]
  MODE: arrow-none  Arrow Flight stream, IPC compression off
        arrow-zstd  Arrow Flight stream, the SDK's default compression (IPC zstd)
        arrow-lz4   Arrow Flight stream, ArrowCompression::IpcLz4
        protobuf    gRPC Protobuf stream, records.bin sent with ingest_records_offset in chunks
                    of the Arrow batch size, then flush()
  --rounds N          timed rounds, each on a new stream (default 1)
  --table NAME        table to stream into (default main.bench.rust_sdk)
  --client-id ID      OAuth client (default emulator-client)
  --client-secret S   OAuth secret (default emulator-secret)
  --worker-threads N  tokio worker threads (default 2)
  --no-compact        send the batches as read from the file (views into each IPC message's
                      buffer) instead of copies in exactly-sized buffers; arrow-flight then
                      splits each batch into several times more FlightData messages
DIR holds batches.arrows, records.bin and descriptor.pb.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    ArrowNone,
    ArrowZstd,
    ArrowLz4,
    Protobuf,
}

impl Mode {
    fn parse(name: &str) -> Option<Mode> {
        match name {
            "arrow-none" => Some(Mode::ArrowNone),
            "arrow-zstd" => Some(Mode::ArrowZstd),
            "arrow-lz4" => Some(Mode::ArrowLz4),
            "protobuf" => Some(Mode::Protobuf),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::ArrowNone => "arrow-none",
            Mode::ArrowZstd => "arrow-zstd",
            Mode::ArrowLz4 => "arrow-lz4",
            Mode::Protobuf => "protobuf",
        }
    }
}

struct Args {
    endpoint: String,
    workspace_url: String,
    inputs: PathBuf,
    mode: Mode,
    rounds: u32,
    table: String,
    client_id: String,
    client_secret: String,
    worker_threads: usize,
    compact: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut values: HashMap<&'static str, String> = HashMap::new();
    const FLAGS: [&str; 9] = [
        "endpoint",
        "workspace-url",
        "inputs",
        "mode",
        "rounds",
        "table",
        "client-id",
        "client-secret",
        "worker-threads",
    ];
    let mut compact = true;
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        if arg == "--no-compact" {
            if !compact {
                return Err("option '--no-compact' given twice".to_string());
            }
            compact = false;
            continue;
        }
        let Some(body) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument '{arg}'"));
        };
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (body, None),
        };
        let Some(&flag) = FLAGS.iter().find(|&&f| f == name) else {
            return Err(format!("unknown option '--{name}'"));
        };
        let value = match inline {
            Some(value) => value,
            None => argv
                .next()
                .filter(|v| !v.starts_with("--"))
                .ok_or_else(|| format!("option '--{name}' needs a value"))?,
        };
        if values.insert(flag, value).is_some() {
            return Err(format!("option '--{name}' given twice"));
        }
    }
    let mut take = |name: &str| values.remove(name);
    let required = |v: Option<String>, name: &str| v.ok_or_else(|| format!("--{name} is required"));
    let endpoint = required(take("endpoint"), "endpoint")?;
    let workspace_url = required(take("workspace-url"), "workspace-url")?;
    let inputs = PathBuf::from(required(take("inputs"), "inputs")?);
    let mode_name = required(take("mode"), "mode")?;
    let mode = Mode::parse(&mode_name).ok_or_else(|| {
        format!("unknown mode '{mode_name}' (arrow-none, arrow-zstd, arrow-lz4, protobuf)")
    })?;
    let positive = |v: Option<String>, name: &str, default: u64| -> Result<u64, String> {
        match v {
            None => Ok(default),
            Some(s) => match s.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("--{name} must be a positive integer, not '{s}'")),
            },
        }
    };
    let rounds = u32::try_from(positive(take("rounds"), "rounds", 1)?)
        .map_err(|_| "--rounds is too large".to_string())?;
    let worker_threads = positive(take("worker-threads"), "worker-threads", 2)? as usize;
    Ok(Args {
        endpoint,
        workspace_url,
        inputs,
        mode,
        rounds,
        table: take("table").unwrap_or_else(|| "main.bench.rust_sdk".to_string()),
        client_id: take("client-id").unwrap_or_else(|| "emulator-client".to_string()),
        client_secret: take("client-secret").unwrap_or_else(|| "emulator-secret".to_string()),
        worker_threads,
        compact,
    })
}

/// One timed round's figures.
struct Measured {
    rows: u64,
    wall: Duration,
    cpu: Duration,
}

fn result_line(mode: Mode, round: u32, m: &Measured) -> String {
    let seconds = m.wall.as_secs_f64();
    format!(
        "RESULT {{\"client\":\"{CLIENT}\",\"mode\":\"{}\",\"round\":{round},\"rows\":{},\
         \"seconds\":{seconds:.6},\"rows_per_second\":{:.1},\"cpu_ns_per_row\":{:.2}}}",
        mode.name(),
        m.rows,
        m.rows as f64 / seconds,
        m.cpu.as_nanos() as f64 / m.rows as f64,
    )
}

/// Checks what the SDK reported acknowledged against what was handed to it: every offset
/// acknowledged exactly once, their rows summing to the input rows, and no error, resend or
/// reconnect on the way.
fn check_acks(
    log: &AckLog,
    rows_by_offset: &HashMap<OffsetId, u64>,
    input_rows: u64,
) -> Result<(), String> {
    let state = log.snapshot();
    if !state.errors.is_empty() {
        return Err(format!(
            "the SDK reported errors: {}",
            state.errors.join("; ")
        ));
    }
    if state.resends > 0 || state.reconnects > 0 {
        return Err(format!(
            "not a clean round: {} batch resends, {} reconnects",
            state.resends, state.reconnects
        ));
    }
    let mut acked_rows = 0u64;
    let mut seen = std::collections::HashSet::new();
    for offset in &state.acked {
        let Some(rows) = rows_by_offset.get(offset) else {
            return Err(format!(
                "the SDK acknowledged offset {offset}, which was never sent"
            ));
        };
        if !seen.insert(*offset) {
            return Err(format!("the SDK acknowledged offset {offset} twice"));
        }
        acked_rows += rows;
    }
    if acked_rows != input_rows || seen.len() != rows_by_offset.len() {
        return Err(format!(
            "acknowledged {acked_rows} rows in {} of {} requests, expected {input_rows} rows",
            seen.len(),
            rows_by_offset.len()
        ));
    }
    Ok(())
}

fn sdk_error(
    what: &str,
) -> impl FnOnce(databricks_zerobus_ingest_sdk::ZerobusError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn arrow_round(
    sdk: &ZerobusSdk,
    args: &Args,
    data: &inputs::ArrowInputs,
) -> Result<Measured, String> {
    let log = Arc::new(AckLog::default());
    let mut builder = sdk
        .stream_builder()
        .table(&args.table)
        .oauth(&args.client_id, &args.client_secret)
        .arrow(Arc::clone(&data.schema))
        // A failure must end the round, not be recovered from inside the timed region.
        .recovery(false)
        .stats_exporter(Arc::clone(&log));
    builder = match args.mode {
        Mode::ArrowNone => builder.compression(ArrowCompression::Uncompressed),
        Mode::ArrowLz4 => builder.compression(ArrowCompression::IpcLz4),
        // The SDK's default (IPC zstd): left unset on purpose.
        Mode::ArrowZstd => builder,
        Mode::Protobuf => unreachable!(),
    };
    let mut stream = builder
        .build_arrow()
        .await
        .map_err(sdk_error("creating the Arrow Flight stream"))?;

    let batches: Vec<_> = data.batches.clone(); // reference-counted arrays: no data copied
    let input_rows = data.rows();
    let mut rows_by_offset = HashMap::with_capacity(batches.len());

    let region = Region::start();
    for batch in batches {
        let rows = batch.num_rows() as u64;
        let offset = stream
            .ingest_batch(batch)
            .await
            .map_err(sdk_error("ingest_batch"))?;
        rows_by_offset.insert(offset, rows);
    }
    stream.flush().await.map_err(sdk_error("flush"))?;
    let (wall, cpu) = region.stop();

    check_acks(&log, &rows_by_offset, input_rows)?;
    stream.close().await.map_err(sdk_error("close"))?;
    let unacked = stream
        .get_unacked_batches()
        .await
        .map_err(sdk_error("get_unacked_batches"))?;
    if !unacked.is_empty() {
        return Err(format!(
            "{} batches unacknowledged after flush and close",
            unacked.len()
        ));
    }
    Ok(Measured {
        rows: input_rows,
        wall,
        cpu,
    })
}

async fn protobuf_round(
    sdk: &ZerobusSdk,
    args: &Args,
    data: &inputs::ProtoInputs,
    chunk_sizes: &[usize],
) -> Result<Measured, String> {
    let log = Arc::new(AckLog::default());
    let mut stream = sdk
        .stream_builder()
        .table(&args.table)
        .oauth(&args.client_id, &args.client_secret)
        .compiled_proto(data.descriptor.clone())
        .recovery(false)
        .ack_callback(Arc::clone(&log) as Arc<dyn databricks_zerobus_ingest_sdk::AckCallback>)
        .build()
        .await
        .map_err(sdk_error("creating the Protobuf stream"))?;

    // Owned copies of the records for this round (the SDK takes them by value), made untimed.
    let chunks = data.owned_chunks(chunk_sizes);
    let input_rows = data.rows();
    let mut rows_by_offset = HashMap::with_capacity(chunks.len());

    let region = Region::start();
    for records in chunks {
        let rows = records.len() as u64;
        let offset = stream
            .ingest_records_offset(records)
            .await
            .map_err(sdk_error("ingest_records_offset"))?
            .ok_or("ingest_records_offset returned no offset for a non-empty chunk")?;
        rows_by_offset.insert(offset, rows);
    }
    stream.flush().await.map_err(sdk_error("flush"))?;
    let (wall, cpu) = region.stop();

    // Ack callbacks run on their own task and may trail flush(): give them a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while log.snapshot().acked.len() < rows_by_offset.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    check_acks(&log, &rows_by_offset, input_rows)?;
    stream.close().await.map_err(sdk_error("close"))?;
    Ok(Measured {
        rows: input_rows,
        wall,
        cpu,
    })
}

async fn run(args: Args) -> Result<(), String> {
    let mut sdk_builder = ZerobusSdk::builder()
        .endpoint(&args.endpoint)
        .unity_catalog_url(&args.workspace_url);
    if args.endpoint.starts_with("http://") {
        sdk_builder = sdk_builder.no_tls(); // plaintext, from the SDK's `testing` feature
    }
    let sdk = sdk_builder.build().map_err(sdk_error("building the SDK"))?;

    let started = Instant::now();
    let arrow = inputs::load_arrow(&args.inputs, args.compact && args.mode != Mode::Protobuf)?;
    let batch_rows: Vec<usize> = arrow.batches.iter().map(|b| b.num_rows()).collect();
    let largest_batch = batch_rows.iter().copied().max().unwrap_or(0);
    let proto = if args.mode == Mode::Protobuf {
        let proto = inputs::load_proto(&args.inputs)?;
        if proto.rows() != arrow.rows() {
            return Err(format!(
                "records.bin holds {} records but batches.arrows {} rows",
                proto.rows(),
                arrow.rows()
            ));
        }
        Some(proto)
    } else {
        None
    };
    eprintln!(
        "{CLIENT} {}: {} rows in {} batches of up to {largest_batch} rows loaded in {:.1} s; \
         {} worker threads; table {}{}",
        args.mode.name(),
        arrow.rows(),
        arrow.batches.len(),
        started.elapsed().as_secs_f64(),
        args.worker_threads,
        args.table,
        if args.compact {
            ""
        } else {
            "; batches not compacted"
        }
    );
    if let Some(proto) = &proto {
        eprintln!(
            "protobuf: one ingest_records_offset call per Arrow batch; the largest carries {} \
             bytes of records",
            proto.largest_chunk_bytes(&batch_rows)
        );
    }

    for round in 1..=args.rounds {
        let measured = match &proto {
            Some(proto) => protobuf_round(&sdk, &args, proto, &batch_rows).await,
            None => arrow_round(&sdk, &args, &arrow).await,
        }
        .map_err(|e| format!("{} round {round}: {e}", args.mode.name()))?;
        println!("{}", result_line(args.mode, round, &measured));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.worker_threads)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
