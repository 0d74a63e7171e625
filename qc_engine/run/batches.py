"""Batches on their way from the reading to the writing: audited by the workers, or by the writing process.

Rows come out in the order the batches went in, whoever audited them, so the store is the same whatever
the number of workers and however the work was shared.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Generic, TypeVar

Batch = TypeVar("Batch")
Result = TypeVar("Result")


class _Done:
    """A batch audited in this process, queued among the workers' futures."""

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = rows

    def done(self) -> bool:
        return True

    def cancel(self) -> bool:
        return False

    def result(self):
        return self.rows


class BatchQueue(Generic[Batch, Result]):
    """Hands batches to a pool's workers (or, without a pool, audits them here) and passes their results on,
    in order, to ``take``. ``audit`` audits a batch here; ``pool_audit`` (by default the same) is the task the
    workers run, a module-level function the pool can name.

    With ``audits_too`` (this process has a core of its own beside the workers'), a batch that comes while
    the workers have all they can take is audited here rather than waited for; and at the end, batches the
    workers have not started are taken back and audited here, so that both finish together.
    """

    def __init__(self, pool: Executor | None, audit: Callable[[Batch], Result], take: Callable[[Result], None],
                 window: int, audits_too: bool, pool_audit: Callable[[Batch], Result] | None = None,
                 recover: Callable[[Batch], Result] | None = None, new_pool: Callable[[], Executor] | None = None):
        self.pool, self.audit, self.take = pool, audit, take
        # A worker that died (os._exit in a rule, the out-of-memory killer) breaks the pool: its batches are
        # audited again by ``recover`` and later ones go to a pool ``new_pool`` makes.
        self.recover, self.new_pool = recover, new_pool
        self.pools = [pool] if pool is not None else []  # every pool made, to be shut down at the end
        self._broken = False
        self.pool_audit = pool_audit or audit
        self.window = window  # batches waiting at or being audited by the workers
        self.audits_too = audits_too
        self._pending: deque[tuple[Future | _Done, Batch]] = deque()

    def put(self, batch: Batch) -> None:
        if self.pool is None:  # no workers: every batch is audited here, as it comes
            self.take(self.audit(batch))
            return
        pending = self._pending
        self._take_done()
        if not self.audits_too or sum(not f.done() for f, _ in pending) < self.window:
            pending.append((self._submit(batch), batch))
        else:
            pending.append((_Done(self.audit(batch)), batch))
        while len(pending) > 2 * self.window:  # bounded, whatever the order in which batches finish
            self._take_next()

    def finish(self) -> None:
        """Pass on every result still to come."""
        while self._pending:
            if not self._pending[0][0].done() and self.audits_too and self._take_back_one():
                continue
            self._take_next()

    def _take_back_one(self) -> bool:
        """Audit here the latest batch no worker has started, if there is one."""
        pending = self._pending
        for i in range(len(pending) - 1, -1, -1):
            future, batch = pending[i]
            if future.cancel():
                pending[i] = (_Done(self.audit(batch)), batch)
                self._take_done()
                return True
        return False

    def _take_done(self) -> None:
        while self._pending and self._pending[0][0].done():
            self._take_next()

    def _submit(self, batch: Batch) -> Future:
        if self._broken and self.new_pool is not None:
            self.pool = self.new_pool()
            self.pools.append(self.pool)
            self._broken = False
        try:
            return self.pool.submit(self.pool_audit, batch)
        except BrokenProcessPool:
            if self.recover is None:
                raise
            self._broken = True
            return self._submit(batch) if self.new_pool is not None else _Done(self.recover(batch))

    def _take_next(self) -> None:
        future, batch = self._pending.popleft()
        try:
            rows = future.result()
        except BrokenProcessPool:
            if self.recover is None:
                raise
            self._broken = True
            rows = self.recover(batch)
        self.take(rows)
