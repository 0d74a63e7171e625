"""An audit run: stream inputs through loaders, audit in worker processes, store through one writer."""
from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from qc_engine import __version__
from qc_engine.lang import _
from qc_engine.run.batches import BatchQueue
from qc_engine.store.customers import customer_key_function
from qc_engine.ingest.loaders import LoaderItem, LoadOptions, detect_loader, iter_input_files
from qc_engine.model import DEFAULT_TIMEZONE, RawLines, Rejected
from qc_engine.orders import OrdersError, OrdersSummary, apply_orders
from qc_engine.plugins import AUDIT_HOOKS, collect, load_plugins
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.audit.ruleset import RuleBook
from qc_engine.rulefiles.check import unmatched_shops
from qc_engine.store import Checkpoints, open_db
from qc_engine.run.isolation import Recovery
from qc_engine.run.worker import RULE_TIME_PER_MESSAGE_S, Auditor, TimeGuard, WorkerContext, audit_in_worker, start_worker
from qc_engine.store.rows import CONVERSATIONS, FINDINGS, RULE_ERRORS, Rows
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
    shops: dict[str, str] = field(default_factory=dict)  # account -> shop, for exports that name no shop


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
    started = time.monotonic()
    missing = [str(p) for p in [*options.inputs, *options.order_files] if not p.exists()]
    if missing:
        raise UsageError(_("no such file or folder: {paths}").format(paths=", ".join(missing)))
    plugins = load_plugins(options.plugin_files)
    registry = collect(plugins)
    problems = [f"plugin {f.name} ({f.source}) failed to load: {f.error}" for f in plugins.failures] + registry.problems_of(*AUDIT_HOOKS)
    if not registry.loaders:
        raise UsageError(_("no loader plugin is available; is qc-engine installed correctly?"))
    # RuleFileError propagates: a rule file the audit could not use whole stops the run before it starts.
    book = RuleBook(registry, options.rule_files, checked=True)
    book.for_shop("")  # compiled before the workers fork, so shops on the defaults share it for free
    agents = frozenset(a for f in book.all_files for a in f.data.get("agents", ()))
    bots = frozenset(b for f in book.all_files for b in f.data.get("bots", ()))
    load_options = LoadOptions(timezone=options.timezone, agents=agents, bots=bots, shop=options.shop, shops=dict(options.shops),
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
    context = WorkerContext(book, run_id, options.timezone, customer_key_function(options.customer_salt),
                            options.rule_time_limit)
    checkpoints = Checkpoints(options.db, db.conn)
    store = _RunStore(writer, checkpoints, summary, progress)

    pool = guard = batches = None
    status = "failed"
    try:
        guard = TimeGuard.install(options.rule_time_limit)  # this process may audit too, when the workers are all busy
        auditor = Auditor(context, guard)

        def new_pool() -> ProcessPoolExecutor:
            # Workers made after a worker died start with the rules found to end their process disabled.
            # The pool's pipes keep the system's size: widening them through the pool's private queues showed
            # no gain on the benchmark day (400k messages, --workers 1 and 2, alternating runs).
            return ProcessPoolExecutor(options.workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=start_worker,
                                       initargs=(context, os.getpid(), frozenset(auditor.guests.disabled)))

        if _can_fork():
            # Even one worker runs beside this process, which reads the input and writes the store meanwhile.
            pool = new_pool()
        # With a core of its own beside the workers', this process audits too rather than wait for them. Without
        # one, it would only take CPU time from them. Not with a vendor's rules, though: a rule that ignores its
        # time limit or ends its process may do so in a worker, which can be replaced, not here.
        audits_too = options.workers < cpu_cores() and not _has_guest_rules(book)
        batches = BatchQueue(pool, auditor.audit_batch, store.take,
                             QUEUED_PER_WORKER * options.workers * (2 if audits_too else 1), audits_too,
                             pool_audit=audit_in_worker,
                             recover=Recovery(auditor, options.rule_time_limit, RULE_TIME_PER_MESSAGE_S).batch if pool else None,
                             new_pool=new_pool)

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
            store.flush()
            checkpoints.close()  # the last copy into the database goes on while the daily figures are made
            rebuild_agent_daily(db, store.touched)
            for warning in unmatched_shops(book.files, {shop for shop, _ in store.touched}):
                if warning not in summary.problems:
                    summary.problems.append(warning)
            # Always, not only with --orders: orders imported earlier apply to the days just audited.
            summary.orders = apply_orders(db, options.order_files, options, run_id=run_id)
        status = "complete"
    finally:
        for made in (batches.pools if batches is not None else [pool] if pool is not None else []):
            made.shutdown(wait=status == "complete", cancel_futures=status != "complete")
        if guard is not None:
            guard.remove()
        summary.duration_s = time.monotonic() - started
        writer.finish_run(run_id, status, {
            "read": summary.read, "audited": summary.audited, "rejected": summary.rejected,
            "messages": summary.messages, "findings": sum(summary.findings.values()),
            "rule_errors": sum(summary.rule_errors.values()), "skipped_files": summary.skipped_files,
            "duration_s": summary.duration_s, "problems": summary.problems,
        })
        db.close()
    return summary


class _RunStore:
    """The run's rows on their way into the store: kept until there are enough for a transaction, then
    written, and counted in the summary."""

    def __init__(self, writer: StoreWriter, checkpoints: Checkpoints, summary: RunSummary,
                 progress: Callable[[RunSummary, str], None] | None):
        self.writer, self.checkpoints, self.summary, self.progress = writer, checkpoints, summary, progress
        self.unwritten: list[Rows] = []  # batches of rows not yet written
        self.unwritten_messages = 0
        self.touched: set[tuple[str, str]] = set()  # (shop, day) pairs whose daily figures this run changes
        self.forgotten = 0  # files whose rejections by earlier runs are deleted: this run judges them again

    def take(self, rows: Rows) -> None:
        """A batch's rows, in the order the batches were read."""
        summary = self.summary
        for problem in rows.problems:
            if problem not in summary.problems:
                summary.problems.append(problem)
        self.unwritten.append(rows)
        self.unwritten_messages += len(rows.messages)
        if self.unwritten_messages >= WRITE_EVERY_MESSAGES:
            self.flush()
        if self.progress:
            self.progress(summary, "")  # the input read so far; the counts are those of the rows written

    def flush(self) -> None:
        summary = self.summary
        # Duplicates across batches are found as they are written, against what this run has stored.
        self.writer.write(self.unwritten, summary.run_id, summary.files_read[self.forgotten:])
        self.forgotten = len(summary.files_read)
        self.checkpoints.committed()
        for rows in self.unwritten:
            self.touched.update(map(_shop_and_day, rows.conversations))
            summary.audited += len(rows.conversations)
            summary.rejected += len(rows.rejected)
            summary.read += len(rows.conversations) + len(rows.rejected)
            summary.messages += len(rows.messages)
            summary.findings.update(map(_category, rows.findings))
            summary.rule_errors.update(map(_plugin, rows.rule_errors))
        self.unwritten, self.unwritten_messages = [], 0


def _has_guest_rules(book: RuleBook) -> bool:
    """Whether any rule comes from outside qc-engine's own plugins."""
    return any(not type(c.rule).__module__.startswith("qc_plugins.") for c in book.for_shop("").rules)


def _can_fork() -> bool:
    # A daemonic process (a worker of someone else's pool) may not start children: audit inline there.
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def cpu_cores() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def default_workers() -> int:
    """One worker per core but one: the reading and writing process keeps a core, and audits too when it can."""
    return max(1, cpu_cores() - 1)
