//! What the benchmark observes besides wall time: the process's CPU time, and which offsets
//! the SDK reported acknowledged (through its own hooks: the Arrow stream's stats exporter and
//! the gRPC stream's ack callback).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use databricks_zerobus_ingest_sdk::{AckCallback, OffsetId, StatsExporter, StreamStat};

/// User + system CPU time of the whole process (all threads), from getrusage(RUSAGE_SELF).
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            panic!("getrusage failed: {}", std::io::Error::last_os_error());
        }
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Wall and CPU time over one region.
pub struct Region {
    wall: Instant,
    cpu: Duration,
}

impl Region {
    pub fn start() -> Self {
        let cpu = process_cpu();
        Region {
            wall: Instant::now(),
            cpu,
        }
    }

    /// (wall, cpu) since start.
    pub fn stop(&self) -> (Duration, Duration) {
        let wall = self.wall.elapsed();
        (wall, process_cpu().saturating_sub(self.cpu))
    }
}

/// Offsets reported acknowledged, and anything that would make the round not a clean
/// measurement (errors, retransmissions, reconnects).
#[derive(Default)]
pub struct AckLog {
    state: Mutex<AckState>,
}

#[derive(Default)]
pub struct AckState {
    pub acked: Vec<OffsetId>,
    pub errors: Vec<String>,
    pub resends: u64,
    pub reconnects: u64,
}

impl AckLog {
    pub fn snapshot(&self) -> AckState {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        AckState {
            acked: state.acked.clone(),
            errors: state.errors.clone(),
            resends: state.resends,
            reconnects: state.reconnects,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut AckState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Arrow Flight streams: `BatchAcked` is dispatched before the SDK publishes the ack, so once
/// flush() returns every acknowledged offset is already here.
impl StatsExporter for AckLog {
    fn record(&self, stat: StreamStat) {
        match stat {
            StreamStat::BatchAcked { offset } => self.with(|s| s.acked.push(offset)),
            StreamStat::BatchSent { attempt, .. } if attempt > 0 => self.with(|s| s.resends += 1),
            StreamStat::Reconnected { .. } => self.with(|s| s.reconnects += 1),
            _ => {}
        }
    }
}

/// gRPC (Protobuf) streams: callbacks run on the SDK's callback task, after the ack, so they
/// may trail flush() by a moment; the caller waits for them outside the timed region.
impl AckCallback for AckLog {
    fn on_ack(&self, offset: OffsetId) {
        self.with(|s| s.acked.push(offset));
    }

    fn on_error(&self, offset: OffsetId, message: &str) {
        self.with(|s| s.errors.push(format!("offset {offset}: {message}")));
    }
}
