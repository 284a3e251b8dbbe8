"""Concurrency, the GIL, cancellation and Ctrl-C."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time

import pyarrow as pa
import pytest
from support import landed_ids, people

from arrow_zerobus_sdk_wrapper import ZerobusWrapper


def test_many_asyncio_tasks(wrapper, emulator, table):
    async def main():
        return await asyncio.gather(
            *(wrapper.send_batch(people(20, start=i * 20)) for i in range(50))
        )

    results = asyncio.run(main())
    assert all(r.success and r.successful_count == 20 for r in results)
    assert sorted(landed_ids(emulator, table)) == list(range(1000))


def test_many_threads(wrapper, emulator, table):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                result = wrapper.send_batch_sync(people(10, start=(n * 10 + i) * 10))
                assert result.success and result.successful_count == 10
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(landed_ids(emulator, table)) == list(range(800))


def test_asyncio_tasks_and_threads_together(wrapper, emulator, table):
    def in_thread():
        for i in range(5):
            wrapper.send_batch_sync(people(10, start=1000 + i * 10))

    async def main():
        thread = threading.Thread(target=in_thread)
        thread.start()
        results = await asyncio.gather(
            *(wrapper.send_batch(people(10, start=i * 10)) for i in range(10))
        )
        await asyncio.to_thread(thread.join)
        return results

    assert all(r.success for r in asyncio.run(main()))
    assert len(landed_ids(emulator, table)) == 150


def test_other_threads_run_during_a_large_send(light_emulator, table):
    """The GIL is released while a large batch is converted, sent and acknowledged."""
    light_emulator.set_fault_script(table, {"ack_delay_ms": 400})
    n = 2_000_000
    batch = pa.record_batch(
        {"id": pa.array(range(n), pa.int64()), "value": pa.array([1.5] * n, pa.float64())}
    )
    progress = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal progress
        while not stop.is_set():
            progress += 1

    counter = threading.Thread(target=count)
    with ZerobusWrapper(**light_emulator.settings(table)) as wrapper:
        counter.start()
        time.sleep(0.05)
        before = progress
        started = time.perf_counter()
        result = wrapper.send_batch_sync(batch)
        elapsed = time.perf_counter() - started
        during = progress - before
        stop.set()
        counter.join()
    assert result.success and result.successful_count == n
    assert elapsed >= 0.4
    # A thread that got the GIL only between bytecodes of the caller would barely move: here it
    # runs freely for the whole send (millions of increments per second when it has the GIL).
    assert during > 100_000, f"{during} increments in {elapsed:.2f} s"


def test_cancel_a_queued_send(settings, emulator, table):
    """A send still waiting for its turn is given up when its task is cancelled: its rows never
    land. The send ahead of it (already handed to the stream) completes."""
    emulator.set_fault_script(table, {"create_delay_ms": 1000})

    async def main():
        async with ZerobusWrapper(**settings) as wrapper:
            first = asyncio.ensure_future(wrapper.send_batch(people(5, start=0)))
            second = asyncio.ensure_future(wrapper.send_batch(people(5, start=100)))
            await asyncio.sleep(0.2)  # the first is waiting for the stream, the second queued
            assert not second.done()
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            first_result = await first
            await wrapper.flush()
            return first_result

    first_result = asyncio.run(main())
    assert first_result.success and first_result.successful_count == 5
    assert landed_ids(emulator, table) == [0, 1, 2, 3, 4]


def test_cancel_a_queued_table_send(settings, emulator, table):
    """Cancelling the send of a Table stops reading it and gives up its queued batches."""
    emulator.set_fault_script(table, {"create_delay_ms": 1000})
    data = pa.Table.from_batches([people(5, start=100 + i * 5) for i in range(3)])

    async def main():
        async with ZerobusWrapper(**settings) as wrapper:
            first = asyncio.ensure_future(wrapper.send_batch(people(5)))
            await asyncio.sleep(0.05)
            second = asyncio.ensure_future(wrapper.send_batch(data))
            await asyncio.sleep(0.2)
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            assert (await first).success
            await wrapper.flush()

    asyncio.run(main())
    assert landed_ids(emulator, table) == [0, 1, 2, 3, 4]


def test_cancel_after_rows_were_handed_over(settings, emulator, table):
    """Cancelling the awaiting task of a send already handed to the stream raises
    CancelledError in the task; the rows still land (the result is dropped)."""
    emulator.set_fault_script(table, {"create_delay_ms": 500})

    async def main():
        async with ZerobusWrapper(**settings) as wrapper:
            task = asyncio.ensure_future(wrapper.send_batch(people(3)))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await wrapper.flush()

    asyncio.run(main())
    assert landed_ids(emulator, table) == [0, 1, 2]


def test_ctrl_c_interrupts_a_blocking_send(settings, emulator, table):
    emulator.set_fault_script(table, {"create_delay_ms": 1500})
    wrapper = ZerobusWrapper(**settings)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        wrapper.send_batch_sync(people(3))
    assert time.perf_counter() - started < 1.0
    timer.join()
    emulator.clear_fault_script(table)
    wrapper.shutdown_sync()
