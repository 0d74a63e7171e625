"""An audit run: stream inputs through loaders, audit in worker processes, store through one writer."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from qc_engine import __version__
from qc_engine.run.batches import BatchQueue
from qc_engine.store.customers import customer_key_function
from qc_engine.audit.engine import audit_conversation
from qc_engine.ingest.loaders import LoaderItem, LoadOptions, detect_loader, each_record, iter_input_files
from qc_engine.model import DEFAULT_TIMEZONE, Conversation, RawLines, Rejected
from qc_engine.ingest.normalize import raw_text, to_conversation
from qc_engine.orders import OrdersError, OrdersSummary, apply_orders
from qc_engine.plugins import load_plugins
from qc_engine.plugins import AUDIT_HOOKS, collect
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.audit.ruleset import RuleBook
from qc_engine.rulefiles.check import unmatched_shops
from qc_engine.store import Checkpoints, open_db
from qc_engine.store.rows import CONVERSATIONS, FINDINGS, RULE_ERRORS, Rows, add_audited, add_rejected, qualified_id
from qc_engine.store.writer import StoreWriter
from qc_engine.text.clean import storable

BATCH_CONVERSATIONS = 256
# Batches waiting at or being audited by each worker: enough for them to go on while this process writes a
# transaction (twice as many when it also audits batches of its own, which takes longer).
QUEUED_PER_WORKER = 4
# Rows are written in transactions of at least this many messages: each commit rewrites the pages it
# touched (index pages above all), so fewer, larger transactions write far less. A crash loses at most
# the unwritten rows of a run that is then marked incomplete, and a re-run completes it.
WRITE_EVERY_MESSAGES = 40_000
RULE_TIME_BASE_S = 10.0  # the rules of one conversation get this long together, plus a little per message
RULE_TIME_PER_MESSAGE_S = 0.002
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent ends
PIPE_BYTES = 1 << 20  # room in each pipe to and from the workers: a whole batch or its rows

_shop_and_day = CONVERSATIONS.getter("shop", "day")
_category = FINDINGS.getter("category")
_plugin = RULE_ERRORS.getter("plugin")


class UsageError(Exception):
    """Arguments that make an audit impossible; the CLI shows the message on one line."""


UsageErrors = (UsageError, OrdersError)


@dataclass
class AuditOptions:
    inputs: list[Path]
    db: Path
    rule_files: list[Path] = field(default_factory=list)
    plugin_files: list[Path] = field(default_factory=list)
    workers: int = 1
    timezone: str = DEFAULT_TIMEZONE
    shop: str | None = None
    rule_time_limit: float = RULE_TIME_BASE_S  # seconds a rule may spend on one conversation (0: no limit)
    order_files: list[Path] = field(default_factory=list)
    loader_extra: dict = field(default_factory=dict)  # loader-specific settings (LoadOptions.extra)
    customer_salt: str | None = None  # store customers as salted hashes instead of masked nicks


@dataclass
class RunSummary:
    run_id: int
    db: Path
    read: int = 0
    audited: int = 0
    rejected: int = 0
    messages: int = 0
    findings: Counter = field(default_factory=Counter)
    rule_errors: Counter = field(default_factory=Counter)  # by plugin
    skipped_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    bytes_total: int = 0  # input size, for the progress bar
    bytes_read: int = 0
    orders: OrdersSummary | None = None
    files_read: list[str] = field(default_factory=list)  # every input file, as its rows name it


class _RuleTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _RuleTimeout("the rules took too long on this conversation; this one was stopped")


class _TimeGuard:
    """Stops a rule that runs too long on one conversation (SIGALRM; main thread only)."""

    timeout = _RuleTimeout

    def __init__(self, base_seconds: float, previous_handler=None):
        self.base = base_seconds
        self.previous_handler = previous_handler  # put back when the run is over

    def arm(self, conversation: Conversation) -> None:
        signal.setitimer(signal.ITIMER_REAL, self.base + RULE_TIME_PER_MESSAGE_S * len(conversation.messages))

    def disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


# Worker processes are forked after these are set, so they inherit the compiled rules without pickling.
_BOOK: RuleBook | None = None
_GUARD: _TimeGuard | None = None
_RUN_ID = 0
_TZ = DEFAULT_TIMEZONE
_CUSTOMER_KEY: Callable[[str], str] = customer_key_function(None)


def _install_guard(base_seconds: float) -> _TimeGuard | None:
    if base_seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return None
    return _TimeGuard(base_seconds, signal.signal(signal.SIGALRM, _on_alarm))


def _worker_init(time_limit: float, parent: int) -> None:
    global _GUARD
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _die_with(parent)
    _GUARD = _install_guard(time_limit)


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


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """Give the pool's pipes room for a whole batch or result where the system allows it (Linux: 64 KB -> 1 MB).

    Otherwise a worker sending its rows stalls every 64 KB until this process's result thread reads on; that
    thread shares the interpreter lock with the writing and auditing here, and the worker lost a sixth of its
    time waiting. Best effort: the pipes belong to the pool, and where they cannot be widened only time is lost.
    """
    try:
        import fcntl

        set_size = fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError):  # not Linux
        return
    for queue in (getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)):
        reader = getattr(queue, "_reader", None)
        try:
            fcntl.fcntl(reader.fileno(), set_size, PIPE_BYTES)
        except (AttributeError, OSError):
            pass


def audit_batch(items: list[LoaderItem]) -> Rows:
    """Normalize, audit and turn into masked rows a batch of records (in a worker, or in the writing process)."""
    rows = Rows()
    seen: dict[str, str] = {}  # id -> shop, of the batch's conversations
    for record in each_record(items):
        item = record if isinstance(record, Rejected) else to_conversation(record, _TZ)
        if not isinstance(item, Rejected) and seen.get(item.conversation_id, item.shop) != item.shop:
            item.conversation_id = qualified_id(item.conversation_id, item.shop)  # another shop's export reuses it
        if isinstance(item, Rejected):
            add_rejected(rows, item, _RUN_ID)
        elif item.conversation_id in seen:
            add_rejected(rows, _duplicate(item), _RUN_ID)
        else:
            seen[item.conversation_id] = item.shop
            known = len(_BOOK.setup_errors)
            ruleset = _BOOK.for_shop(item.shop)
            if len(_BOOK.setup_errors) > known:  # a shop whose rule set could not fully start, met just now
                rows.problems.extend(_BOOK.setup_errors[known:])
            add_audited(rows, audit_conversation(item, ruleset, _GUARD), _RUN_ID, _CUSTOMER_KEY)
    return rows


def _duplicate(conv: Conversation) -> Rejected:
    return Rejected(conv.source_file, f"duplicate conversation_id {conv.conversation_id!r}: already read in this run",
                    raw_text(conv.conversation_id), conv.source_line)


def _records(options: AuditOptions, loaders, load_options: LoadOptions, summary: RunSummary) -> Iterator[LoaderItem]:
    files = list(iter_input_files(options.inputs))
    sizes = [_size(p) for p in files]
    summary.bytes_total = sum(sizes)
    done = 0
    for path, size in zip(files, sizes):
        summary.files_read.append(storable(str(path)))
        loader = detect_loader(path, [r.loader for r in loaders])
        if loader is None:
            summary.skipped_files.append(str(path))
        else:
            try:
                for record in loader.load(path, load_options):
                    if record.offset is not None:  # loaders that know where they are move the progress bar within a file
                        summary.bytes_read = done + min(record.offset, size)
                    yield record
            except Exception as exc:  # noqa: BLE001 - a loader bug loses the rest of that file, not the run
                yield Rejected(str(path), f"{loader.name} loader stopped reading this file: {type(exc).__name__}: {exc}", "")
        done += size
        summary.bytes_read = done


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def run_audit(options: AuditOptions, progress: Callable[[RunSummary, str], None] | None = None) -> RunSummary:
    global _BOOK, _GUARD, _RUN_ID, _TZ, _CUSTOMER_KEY
    started = time.monotonic()
    missing = [str(p) for p in [*options.inputs, *options.order_files] if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    plugins = load_plugins(options.plugin_files)
    registry = collect(plugins)
    problems = [f"plugin {f.name} ({f.source}) failed to load: {f.error}" for f in plugins.failures] + registry.problems_of(*AUDIT_HOOKS)
    if not registry.loaders:
        raise UsageError("no loader plugin is available; is qc-engine installed correctly?")
    # RuleFileError propagates: a rule file the audit could not use whole stops the run before it starts.
    book = RuleBook(registry, options.rule_files, checked=True)
    book.for_shop("")  # compiled before the workers fork, so shops on the defaults share it for free
    agents = frozenset(a for f in book.all_files for a in f.data.get("agents", ()))
    bots = frozenset(b for f in book.all_files for b in f.data.get("bots", ()))
    load_options = LoadOptions(timezone=options.timezone, agents=agents, bots=bots, shop=options.shop,
                               extra=dict(options.loader_extra))

    db = open_db(options.db)
    writer = StoreWriter(db)
    writer.mark_interrupted_runs()
    run_id = writer.start_run({
        "inputs": [str(p) for p in options.inputs],
        "rule_files": [{"path": f.path, "name": f.name, "sha256": f.sha256, "shops": f.shops} for f in book.all_files],
        "engine_version": __version__,
        "plugins": {i.name: i.version for i in plugins.info},
        "problems": problems,
        "workers": options.workers,
    })
    summary = RunSummary(run_id, options.db, problems=problems)
    _BOOK, _RUN_ID, _TZ = book, run_id, options.timezone
    _CUSTOMER_KEY = customer_key_function(options.customer_salt)

    touched: set[tuple[str, str]] = set()  # (shop, day) pairs whose daily figures this run changes
    unwritten = []  # batches of Rows not yet written
    unwritten_messages = 0

    def absorb(rows: Rows) -> None:
        nonlocal unwritten_messages
        for problem in rows.problems:
            if problem not in summary.problems:
                summary.problems.append(problem)
        unwritten.append(rows)
        unwritten_messages += len(rows.messages)
        if unwritten_messages >= WRITE_EVERY_MESSAGES:
            flush()
        if progress:
            progress(summary, "")  # the input read so far; the counts are those of the rows written

    forgotten = 0  # files whose rejections by earlier runs are deleted: this run judges them again

    def flush() -> None:
        nonlocal unwritten, unwritten_messages, forgotten
        # Duplicates across batches are found as they are written, against what this run has stored.
        writer.write(unwritten, run_id, summary.files_read[forgotten:])
        forgotten = len(summary.files_read)
        checkpoints.committed()
        for rows in unwritten:
            touched.update(map(_shop_and_day, rows.conversations))
            summary.audited += len(rows.conversations)
            summary.rejected += len(rows.rejected)
            summary.read += len(rows.conversations) + len(rows.rejected)
            summary.messages += len(rows.messages)
            summary.findings.update(map(_category, rows.findings))
            summary.rule_errors.update(map(_plugin, rows.rule_errors))
        unwritten, unwritten_messages = [], 0

    checkpoints = Checkpoints(options.db, db.conn)

    pool = None
    status = "failed"
    try:
        _GUARD = _install_guard(options.rule_time_limit)  # this process may audit too, when the workers are all busy
        if _can_fork():
            # Even one worker runs beside this process, which reads the input and writes the store meanwhile.
            ctx = multiprocessing.get_context("fork")
            pool = ProcessPoolExecutor(options.workers, mp_context=ctx, initializer=_worker_init, initargs=(options.rule_time_limit, os.getpid()))
            _widen_pipes(pool)
        # With a core of its own beside the workers', this process audits too rather than wait for them. Without
        # one, it would only take CPU time from them.
        audits_too = options.workers < cpu_cores()
        batches = BatchQueue(pool, audit_batch, absorb, QUEUED_PER_WORKER * options.workers * (2 if audits_too else 1),
                             audits_too)

        with checkpoints:
            batch: list[LoaderItem] = []
            size = 0
            for item in _records(options, registry.loaders, load_options, summary):
                batch.append(item)
                size += len(item) if type(item) is RawLines else 1
                if size >= BATCH_CONVERSATIONS:
                    batches.put(batch)
                    batch, size = [], 0
            if batch:
                batches.put(batch)
            batches.finish()
            flush()
            checkpoints.close()  # the last copy into the database goes on while the daily figures are made
            rebuild_agent_daily(db, touched)
            for warning in unmatched_shops(book.files, {shop for shop, _ in touched}):
                if warning not in summary.problems:
                    summary.problems.append(warning)
            # Always, not only with --orders: orders imported earlier apply to the days just audited.
            summary.orders = apply_orders(db, options.order_files, options, run_id=run_id)
        status = "complete"
    finally:
        if pool is not None:
            pool.shutdown(wait=status == "complete", cancel_futures=status != "complete")
        if _GUARD is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _GUARD.previous_handler or signal.SIG_DFL)
            _GUARD = None
        summary.duration_s = time.monotonic() - started
        writer.finish_run(run_id, status, {
            "read": summary.read, "audited": summary.audited, "rejected": summary.rejected,
            "messages": summary.messages, "findings": sum(summary.findings.values()),
            "rule_errors": sum(summary.rule_errors.values()), "skipped_files": summary.skipped_files,
            "duration_s": summary.duration_s, "problems": summary.problems,
        })
        db.close()
        _BOOK = None
    return summary


def _can_fork() -> bool:
    # A daemonic process (a worker of someone else's pool) may not start children: audit inline there.
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def cpu_cores() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def default_workers() -> int:
    """One worker per core but one: the reading and writing process keeps a core, and audits too when it can."""
    return max(1, cpu_cores() - 1)
