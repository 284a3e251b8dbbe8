"""Where the send path's CPU goes, per row: reads `perf script` output (perf record -g with
--call-graph dwarf, a cpu-clock event at a known frequency) of bench/send_path_benchmark and
sorts each sample into one category by the frames on its stack, first match wins. Prints a
Markdown table of nanoseconds of CPU per row sent. scripts/profile_send_path.sh runs it.

    perf script -i perf.data | python bench/profile_categories.py --frequency HZ --rows N
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

# (category, substrings of a frame that put a sample in it), checked in this order.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("test data generation (not timed)", ("MakeBatches", "MakeCanonicalOrdersBatch")),
    (
        "TCP send: copy into the kernel, loopback delivery (kernel)",
        ("__libc_sendmsg", "tcp_sendmsg"),
    ),
    ("TCP receive of acknowledgements (kernel)", ("__libc_recvmsg", "tcp_recvmsg")),
    ("cast to the canonical Arrow types, validation", ("CastToCanonical",)),
    ("Protobuf encoding (measure, write, validation)", ("encode::EncodeBatch",)),
    ("packing records into requests", ("PackRequests",)),
    ("Arrow IPC encoding", ("IpcPayloadEncoder", "GetRecordBatchPayload")),
    ("FlightData framing", ("FlightDataBuffer",)),
    (
        "per-row results (build, merge, failed values)",
        ("BuildResult", "ResultMerger", "KeepFailedValues"),
    ),
    (
        "stream engine, wrapper: queues, windows, acks, hand-offs",
        ("StreamEngine", "LaneSet", "BidiConnection", "WrapperCore", "BatchJob", "SendAll"),
    ),
    ("gRPC (user space)", ("grpc", "absl")),
    ("thread wake-ups and sleeps (kernel)", ("futex", "schedule", "epoll")),
]
OTHER = "other (page faults, allocator, libc)"


def frames(lines):
    """Yields each sample's frames (leaf first) from perf script's text."""
    stack: list[str] = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line[0] in " \t":
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                stack.append(re.sub(r"\+0x[0-9a-f]+", "", parts[1]))
    if stack:
        yield stack


def categorize(stack: list[str]) -> str:
    for name, markers in CATEGORIES:
        if any(marker in frame for frame in stack for marker in markers):
            return name
    return OTHER


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frequency", type=float, required=True, help="perf record -F")
    parser.add_argument("--rows", type=int, required=True, help="rows sent while recording")
    args = parser.parse_args()
    counts = Counter(categorize(stack) for stack in frames(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("profile_categories: no samples on standard input")
    untimed = counts.pop(CATEGORIES[0][0], 0)
    sent = total - untimed
    ns_per_sample = 1e9 / args.frequency
    print(f"{sent} samples while sending ({untimed} in untimed setup left out), {args.rows:,} rows")
    print()
    print("| where | samples | ns/row | share |")
    print("|---|---:|---:|---:|")
    order = [name for name, _ in CATEGORIES[1:]] + [OTHER]
    for name in order:
        if counts[name]:
            ns = counts[name] * ns_per_sample / args.rows
            print(f"| {name} | {counts[name]} | {ns:.1f} | {100 * counts[name] / sent:.0f}% |")
    print(f"| **all** | {sent} | {sent * ns_per_sample / args.rows:.1f} | 100% |")


if __name__ == "__main__":
    main()
