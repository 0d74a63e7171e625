"""Auditing batches of records, in a worker process or in the writing process.

Everything a batch needs is one ``WorkerContext``. The pool hands it to each worker through its
``initializer`` (``start_worker``); the writing process makes an ``Auditor`` of its own from the same
context. With the fork start method the context reaches the workers without being pickled: the
compiled rule book is shared, page by page, until a worker changes it.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

from qc_engine.audit.ruleset import RuleBook
from qc_engine.ingest.loaders import LoaderItem, each_record
from qc_engine.ingest.normalize import raw_text, to_conversation
from qc_engine.model import Conversation, Rejected
from qc_engine.run.guests import Guests
from qc_engine.store.rows import Rows, add_audited, add_rejected, qualified_id

RULE_TIME_PER_MESSAGE_S = 0.002  # beside the base time limit, per message of the conversation
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent ends


@dataclass(frozen=True)
class WorkerContext:
    """What auditing a batch of one run needs, the same in every process of the run."""

    book: RuleBook  # compiled before the workers start, so shops on the defaults share it
    run_id: int
    timezone: str
    customer_key: Callable[[str], str]  # the key stored for a customer (store/customers.py)
    rule_time_limit: float  # seconds the rules may spend on one conversation (0: no limit)


class _RuleTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _RuleTimeout("the rules took too long on this conversation; this one was stopped")


class TimeGuard:
    """Stops rules that run too long on one conversation (SIGALRM; main thread only)."""

    timeout = _RuleTimeout

    def __init__(self, base_seconds: float):
        self.base = base_seconds
        self._previous_handler = signal.signal(signal.SIGALRM, _on_alarm)  # put back by remove()

    @classmethod
    def install(cls, base_seconds: float) -> TimeGuard | None:
        """A guard for this process, or None without a limit or where signals cannot serve."""
        if base_seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            return None
        return cls(base_seconds)

    def arm(self, conversation: Conversation) -> None:
        signal.setitimer(signal.ITIMER_REAL, self.base + RULE_TIME_PER_MESSAGE_S * len(conversation.messages))

    def disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def remove(self) -> None:
        self.disarm()
        signal.signal(signal.SIGALRM, self._previous_handler or signal.SIG_DFL)


class Auditor:
    """Normalizes, audits and turns into masked rows batches of records, in one process."""

    def __init__(self, context: WorkerContext, guard: TimeGuard | None, disabled=()):
        self.context, self.guard = context, guard
        self.guests = Guests(set(disabled))  # the time-outs this process met, and the rules they disabled
        self.deadline: float | None = None  # when the conversation being audited has overrun past all doubt

    def watch(self) -> None:
        """In a worker: end the process when a rule ignores its time limit (it swallowed the time-out), so that
        the writing process audits that batch again, apart, and finds the rule (run/isolation.py)."""
        def watch() -> None:
            while True:
                time.sleep(0.5)
                deadline = self.deadline
                if deadline is not None and time.monotonic() > deadline:
                    os._exit(70)

        threading.Thread(target=watch, name="qc-rule-watchdog", daemon=True).start()

    def audit_batch(self, items: list[LoaderItem]) -> Rows:
        context, book = self.context, self.context.book
        rows = Rows()
        seen: dict[str, str] = {}  # id -> shop, of the batch's conversations
        for record in each_record(items):
            item = record if isinstance(record, Rejected) else to_conversation(record, context.timezone)
            if not isinstance(item, Rejected) and seen.get(item.conversation_id, item.shop) != item.shop:
                item.conversation_id = qualified_id(item.conversation_id, item.shop)  # another shop's export reuses it
            if isinstance(item, Rejected):
                add_rejected(rows, item, context.run_id)
            elif item.conversation_id in seen:
                add_rejected(rows, _duplicate(item), context.run_id)
            else:
                seen[item.conversation_id] = item.shop
                known = len(book.setup_errors)
                ruleset = book.for_shop(item.shop)
                if len(book.setup_errors) > known:  # a shop whose rule set could not fully start, met just now
                    rows.problems.extend(book.setup_errors[known:])
                if self.guard is not None:
                    self.deadline = time.monotonic() + 2 * (self.guard.base + RULE_TIME_PER_MESSAGE_S * len(item.messages)) + 2
                add_audited(rows, self.guests.audit(item, ruleset, self.guard), context.run_id, context.customer_key)
        self.deadline = None
        if self.guests.problems:
            rows.problems.extend(self.guests.problems)
            self.guests.problems.clear()
        return rows


def _duplicate(conv: Conversation) -> Rejected:
    return Rejected(conv.source_file, f"duplicate conversation_id {conv.conversation_id!r}: already read in this run",
                    raw_text(conv.conversation_id), conv.source_line)


# A worker process's auditor, made by start_worker (the pool's initializer) from the context it is given:
# the pool runs tasks as module-level functions, and this is how they reach the context.
_worker_auditor: Auditor | None = None


def start_worker(context: WorkerContext, parent: int, disabled=()) -> None:
    """The pool's initializer: runs once in each worker before its first batch."""
    global _worker_auditor
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _die_with(parent)
    _worker_auditor = Auditor(context, TimeGuard.install(context.rule_time_limit), disabled)
    _worker_auditor.watch()


def audit_in_worker(items: list[LoaderItem]) -> Rows:
    """A pool task: one batch audited by this worker."""
    return _worker_auditor.audit_batch(items)


def _die_with(parent: int) -> None:
    """End this worker when the audit process ends, even killed outright (SIGKILL, out of memory).

    A pool's workers hold both ends of their task pipe, so they never see it close: without this,
    they would wait for tasks forever.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0:
            if os.getppid() != parent:  # it ended before the request was made
                os._exit(1)
            return
    except (OSError, AttributeError):  # not Linux
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="qc-parent-watch", daemon=True).start()
