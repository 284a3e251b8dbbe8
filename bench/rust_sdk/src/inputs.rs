//! Loads the benchmark inputs that the C++ benchmark writes into one directory:
//! `batches.arrows` (Arrow IPC stream), `records.bin` ((u32 LE length, record) pairs in row
//! order) and `descriptor.pb` (a serialized `google.protobuf.DescriptorProto`).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{make_array, Array, ArrayRef};
use arrow_data::transform::MutableArrayData;
use arrow_ipc::reader::StreamReader;
use databricks_zerobus_ingest_sdk::{ArrowSchema, RecordBatch};
use prost::Message;

/// The Arrow side: the stream's schema and all of its record batches.
pub struct ArrowInputs {
    pub schema: Arc<ArrowSchema>,
    pub batches: Vec<RecordBatch>,
}

impl ArrowInputs {
    pub fn rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }
}

/// The Protobuf side: every record's bytes in one buffer, each record a range of it.
pub struct ProtoInputs {
    pub descriptor: prost_types::DescriptorProto,
    data: Vec<u8>,
    ranges: Vec<(usize, usize)>,
}

impl ProtoInputs {
    pub fn rows(&self) -> u64 {
        self.ranges.len() as u64
    }

    /// The records as owned buffers (the SDK takes records by value), cut into consecutive
    /// chunks of the given sizes (the Arrow batches' row counts). Built before a round's timed
    /// region.
    pub fn owned_chunks(&self, sizes: &[usize]) -> Vec<Vec<Vec<u8>>> {
        let mut at = 0;
        sizes
            .iter()
            .map(|&size| {
                let part = &self.ranges[at..at + size];
                at += size;
                part.iter()
                    .map(|&(start, end)| self.data[start..end].to_vec())
                    .collect()
            })
            .collect()
    }

    /// The largest sum of record bytes over those chunks (what the SDK's per-call payload
    /// limit is checked against).
    pub fn largest_chunk_bytes(&self, sizes: &[usize]) -> usize {
        let mut at = 0;
        sizes
            .iter()
            .map(|&size| {
                let bytes = self.ranges[at..at + size].iter().map(|&(s, e)| e - s).sum();
                at += size;
                bytes
            })
            .max()
            .unwrap_or(0)
    }
}

/// Reads `batches.arrows`. With `compact`, every column is copied into buffers of exactly its
/// size, as a producer that built the batches in memory holds them. Arrays read from an IPC
/// stream are views into the whole message body instead, and arrow-flight's encoder, which the
/// SDK uses, sizes a batch by its buffers' capacities: read batches look several times larger
/// than they are and are split into that many more FlightData messages.
pub fn load_arrow(dir: &Path, compact: bool) -> Result<ArrowInputs, String> {
    let path = dir.join("batches.arrows");
    let file = File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let reader = StreamReader::try_new(BufReader::with_capacity(1 << 20, file), None)
        .map_err(|e| format!("{}: not an Arrow IPC stream: {e}", path.display()))?;
    let schema = reader.schema();
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| format!("{}: cannot read a batch: {e}", path.display()))?;
        if batch.num_rows() == 0 {
            continue;
        }
        let batch = if compact {
            let columns = batch
                .columns()
                .iter()
                .map(compact_array)
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(Arc::clone(&schema), columns)
                .map_err(|e| format!("{}: cannot rebuild a batch: {e}", path.display()))?
        } else {
            batch
        };
        batches.push(batch);
    }
    if batches.is_empty() {
        return Err(format!("{}: no rows", path.display()));
    }
    Ok(ArrowInputs { schema, batches })
}

/// A copy of `array` in buffers of exactly its size.
fn compact_array(array: &ArrayRef) -> Result<ArrayRef, String> {
    let data = array.to_data();
    let mut copy = MutableArrayData::new(vec![&data], false, array.len());
    copy.try_extend(0, 0, array.len())
        .map_err(|e| format!("cannot copy a column: {e}"))?;
    Ok(make_array(copy.freeze()))
}

pub fn load_proto(dir: &Path) -> Result<ProtoInputs, String> {
    let descriptor_path = dir.join("descriptor.pb");
    let descriptor_bytes = std::fs::read(&descriptor_path)
        .map_err(|e| format!("cannot read {}: {e}", descriptor_path.display()))?;
    let descriptor = prost_types::DescriptorProto::decode(descriptor_bytes.as_slice())
        .map_err(|e| format!("{}: not a DescriptorProto: {e}", descriptor_path.display()))?;

    let records_path = dir.join("records.bin");
    let data = std::fs::read(&records_path)
        .map_err(|e| format!("cannot read {}: {e}", records_path.display()))?;
    let mut ranges = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let Some(prefix) = data.get(at..at + 4) else {
            return Err(format!(
                "{}: truncated length prefix at byte {at}",
                records_path.display()
            ));
        };
        let length = u32::from_le_bytes(prefix.try_into().expect("4 bytes")) as usize;
        let start = at + 4;
        let end = start + length;
        if end > data.len() {
            return Err(format!(
                "{}: record {} at byte {at} claims {length} bytes, past the end of the file",
                records_path.display(),
                ranges.len()
            ));
        }
        ranges.push((start, end));
        at = end;
    }
    if ranges.is_empty() {
        return Err(format!("{}: no records", records_path.display()));
    }
    Ok(ProtoInputs {
        descriptor,
        data,
        ranges,
    })
}
