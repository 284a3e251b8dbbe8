"""Throughput of the official Zerobus Python SDK against a running emulator: the baseline our
C++ transport benchmark is compared with (scripts/bench_transport.sh runs both on one emulator).

Records are `message Payload { optional bytes data = 1; }` of exactly the requested serialized
size, pushed with the SDK's fastest non-waiting batch call (ingest_records_nowait), then flushed.
Prints one JSON object per record size.
"""

import argparse
import json
import time

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from zerobus.sdk.shared import StreamConfigurationOptions, TableProperties
from zerobus.sdk.sync import ZerobusSdk


def payload_type():
    file = descriptor_pb2.FileDescriptorProto(name="bench.proto", package="bench", syntax="proto2")
    message = file.message_type.add(name="Payload")
    message.field.add(name="data", number=1, type=12, label=1)  # optional bytes
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    descriptor = pool.FindMessageTypeByName("bench.Payload")
    return descriptor, message_factory.GetMessageClass(descriptor)


def record_of_size(message_class, size):
    # 1 tag byte + varint length + data; find the data length that gives exactly `size`.
    for data_length in range(size, -1, -1):
        record = message_class(data=b"x" * data_length).SerializeToString()
        if len(record) == size:
            return record
    raise ValueError(f"no record of exactly {size} bytes")


def run(args, size):
    descriptor, message_class = payload_type()
    record = record_of_size(message_class, size)
    count = max(1, args.megabytes * 1_000_000 // size)
    per_batch = max(1, min(args.max_batch_records, args.batch_bytes // size))
    batch = [record] * per_batch

    sdk = ZerobusSdk(args.endpoint, args.workspace_url)
    sdk._inner.set_use_tls(False)  # plaintext loopback to the emulator
    options = StreamConfigurationOptions(max_inflight_records=args.max_inflight)
    stream = sdk.create_stream(
        args.client_id, args.client_secret, TableProperties(args.table, descriptor), options
    )
    start = time.perf_counter()
    sent = 0
    while sent < count:
        n = min(per_batch, count - sent)
        stream.ingest_records_nowait(batch if n == per_batch else batch[:n])
        sent += n
    stream.flush()
    seconds = time.perf_counter() - start
    stream.close()
    return {
        "client": "official-python-sdk",
        "record_bytes": size,
        "records": count,
        "records_per_batch": per_batch,
        "seconds": seconds,
        "mb_per_s": count * size / seconds / 1e6,
        "records_per_s": count / seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--workspace-url", required=True)
    parser.add_argument("--client-id", default="emulator-client")
    parser.add_argument("--client-secret", default="emulator-secret")
    parser.add_argument("--table", default="bench.default.official")
    parser.add_argument("--sizes", default="20,220,750,10240")
    parser.add_argument("--megabytes", type=int, default=200, help="data per record size")
    parser.add_argument("--batch-bytes", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--max-batch-records", type=int, default=10_000)
    parser.add_argument("--max-inflight", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the median is kept")
    parser.add_argument("--markdown", action="store_true", help="print table rows, not JSON")
    args = parser.parse_args()
    if args.markdown:
        print(f"| record | client | MB/s (median of {args.runs}) | records/s | seconds |")
        print("|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = sorted(
            (run(args, size) for _ in range(max(1, args.runs))), key=lambda r: r["seconds"]
        )
        result = runs[len(runs) // 2]
        if args.markdown:
            print(
                f"| {size} B | official Python SDK | {result['mb_per_s']:.1f} "
                f"| {result['records_per_s']:.0f} | {result['seconds']:.3f} |",
                flush=True,
            )
        else:
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
