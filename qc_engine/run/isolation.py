"""When a worker process dies (a rule called os._exit, the OOM killer struck, a rule ignored its time limit
and was ended by the watchdog), the batches it took are audited again, each in a process of its own; a
conversation that ends its process is audited rule by rule to find the rules that do, which are recorded
against it and disabled for the rest of the run. The run goes on."""
from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any, Callable

from qc_engine.ingest.loaders import LoaderItem, each_record
from qc_engine.ingest.normalize import to_conversation
from qc_engine.model import Rejected
from qc_engine.store.rows import CONVERSATIONS, RULE_ERRORS, Rows, add_rejected

MARGIN_S = 2.0
_conversation_id = CONVERSATIONS.getter("conversation_id")


def run_in_child(fn: Callable[[Any], Any], arg: Any, timeout: float) -> tuple[bool, Any]:
    """(True, fn(arg)) computed in a forked process, or (False, why) when it died or ran past ``timeout``."""
    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(fn, arg, writer), daemon=True)
    child.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            return False, f"ran past {timeout:.0f} s, ignoring its time limit; its process was ended"
        try:
            kind, value = reader.recv()
        except (EOFError, OSError):
            child.join(1)
            code = child.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return False, f"its process ended ({how}: os._exit, or killed as by the out-of-memory killer)"
        return (True, value) if kind == "ok" else (False, value)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()


def _child(fn, arg, writer) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        writer.send(("ok", fn(arg)))
    except BaseException as exc:  # noqa: BLE001 - said to the parent, which decides
        try:
            writer.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        writer.close()
        os._exit(0)


class Recovery:
    """Audits again, in processes of their own, the batches of a worker that died."""

    def __init__(self, auditor, time_limit: float, per_message: float):
        self.auditor = auditor  # the writing process's Auditor: its guests' disabled rules reach the children
        self.time_limit, self.per_message = time_limit, per_message

    def _budget(self, items: list[LoaderItem]) -> float:
        # A conversation's rules stop at the time limit; one that ignores it runs on, and the batch with it.
        n = sum(1 for _ in each_record(items))
        return MARGIN_S + 2 * (self.time_limit or 30.0) + 0.1 * n

    def batch(self, items: list[LoaderItem]) -> Rows:
        ok, rows = run_in_child(self.auditor.audit_batch, items, self._budget(items))
        if ok:
            return rows
        out = Rows()
        for record in each_record(items):
            ok, rows = run_in_child(self.auditor.audit_batch, [record], self._budget([record]))
            out.extend(rows if ok else self._one(record, rows))
        return out

    def _one(self, record, why: str) -> Rows:
        """The rows of a conversation that ended its process: found rule by rule, those rules disabled."""
        context = self.auditor.context
        conv = to_conversation(record, context.timezone)
        rows = Rows()
        if isinstance(conv, Rejected):
            add_rejected(rows, conv, context.run_id)
            return rows
        guests = self.auditor.guests
        culprits = []
        for compiled in context.book.for_shop(conv.shop).rules:
            key = (compiled.plugin, compiled.rule.id)
            if key in guests.disabled:
                continue
            ok, reason = run_in_child(_only(compiled, self.auditor.guard), conv, self._budget([record]))
            if not ok:
                culprits.append((compiled, reason))
                guests.disabled.add(key)
                rows.problems.append(f"rule {compiled.rule.id} ({compiled.plugin}) disabled for the rest of the run: {reason}")
        ok, audited = run_in_child(self.auditor.audit_batch, [record], self._budget([record]))
        if not ok:
            add_rejected(rows, Rejected(conv.source_file, f"could not be audited: {audited}", "", conv.source_line), context.run_id)
            return rows
        rows.extend(audited)
        if rows.conversations:
            cid = _conversation_id(rows.conversations[-1])
            for compiled, reason in culprits:
                rows.rule_errors.append(RULE_ERRORS.row(run_id=context.run_id, conversation_id=cid,
                                                        rule_id=compiled.rule.id, plugin=compiled.plugin, error=reason))
        return rows


def _only(compiled, guard):
    from qc_engine.audit.engine import audit_conversation
    from qc_engine.audit.ruleset import RuleSet

    def audit(conv):
        ruleset = RuleSet([compiled], {}, ())
        audit_conversation(conv, ruleset, guard)
        return True

    return audit
