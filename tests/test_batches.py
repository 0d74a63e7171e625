"""BatchQueue: results come out in the order batches went in, whoever audited them."""
from concurrent.futures import Future

import pytest

from qc_engine.run.batches import BatchQueue


class HeldPool:
    """A pool whose worker finishes a batch only when the test says so; it has started the first it got."""

    def __init__(self):
        self.futures: list[tuple[Future, int]] = []

    def submit(self, fn, batch):
        future = Future()
        if not self.futures:
            future.set_running_or_notify_cancel()  # being audited: it can no longer be taken back
        self.futures.append((future, batch))
        return future

    def finish(self, n=1):
        for future, batch in self.futures:
            if n and not future.done():
                if not future.running():
                    future.set_running_or_notify_cancel()
                future.set_result(("worker", batch))
                n -= 1


def queue(pool, window, audits_too):
    taken = []
    q = BatchQueue(pool, lambda batch: ("here", batch), taken.append, window, audits_too)
    return q, taken


def test_without_a_pool_every_batch_is_audited_here_at_once():
    q, taken = queue(None, 2, True)
    q.put(1)
    q.put(2)
    assert taken == [("here", 1), ("here", 2)]


def test_batches_go_to_the_workers_until_they_have_all_they_can_take_then_are_audited_here():
    pool = HeldPool()
    q, taken = queue(pool, 2, audits_too=True)
    for batch in range(4):
        q.put(batch)
    assert [b for _, b in pool.futures] == [0, 1]  # 2 and 3 came while the worker had its two
    assert taken == []  # 2 and 3 wait for 0 and 1: order is kept
    pool.finish(2)
    q.put(4)
    assert taken == [("worker", 0), ("worker", 1), ("here", 2), ("here", 3)]


def test_at_the_end_batches_no_worker_started_are_taken_back_and_audited_here():
    pool = HeldPool()
    q, taken = queue(pool, 3, audits_too=True)
    for batch in range(3):
        q.put(batch)
    pool.finish(1)  # 0 done; 1 and 2 not started yet
    pool.futures[1][0].set_running_or_notify_cancel()  # 1 is being audited now
    pool.futures[1][0].set_result(("worker", 1))
    q.finish()
    assert taken == [("worker", 0), ("worker", 1), ("here", 2)]
    assert pool.futures[2][0].cancelled()


def test_without_a_core_of_its_own_this_process_only_waits_and_the_queue_stays_bounded():
    pool = HeldPool()
    q, taken = queue(pool, 2, audits_too=False)
    for batch in range(4):
        q.put(batch)
    assert [b for _, b in pool.futures] == [0, 1, 2, 3] and taken == []
    pool.finish(4)
    q.put(4)
    assert [t for t in taken] == [("worker", b) for b in range(4)]
    pool.finish(1)
    q.finish()
    assert taken[-1] == ("worker", 4)


def test_a_worker_error_reaches_the_caller_in_its_place():
    pool = HeldPool()
    q, taken = queue(pool, 2, audits_too=False)
    q.put(0)
    pool.futures[0][0].set_exception(RuntimeError("worker died"))
    with pytest.raises(RuntimeError, match="worker died"):
        q.finish()
