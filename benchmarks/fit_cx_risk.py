"""Fit the customer-experience risk model (rule CX01) and print its AUC on held-out conversations.

    pip install -e '.[fit]'
    python benchmarks/fit_cx_risk.py --stc3 ../shared/corpora/stc3_weibo_helpdesk_cn/train_data_cn.first1000.json
    python benchmarks/fit_cx_risk.py --labelled reviewed.jsonl --write my_shop_cx.yaml

Two kinds of labelled data:
- STC-3 (NTCIR-14) helpdesk dialogues with 19 annotators' satisfaction scores each: "dissatisfied" is a mean
  satisfaction of -0.5 or less.
- A shop's own reviewed conversations, JSON Lines in the normalized conversation format (as `qc audit` reads
  them) with one more field, "dissatisfied": true or false (e.g. the 回访 outcome, or a QC lead's verdict).

The features are computed by the rule's own code (the same word lists, the same signals), so the weights it
writes apply exactly as fitted. It reports the AUC of 5-fold cross-validation (repeated with 3 shuffles),
then fits on everything and, with --write, writes a rule file whose `customer_experience` section carries the
word lists, the fitted intercept and weights, and the customer-term weights.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from qc_engine.model import Conversation, Message
from qc_plugins import default_rule_file
from qc_plugins.rules.customer_experience.signals import SignalReader, customer_terms, signal_names

C = 0.03  # strong L2 regularisation: ~1,000 dialogues, thousands of terms
SIGNAL_SCALE = 2.0  # the signals are regularised half as hard as single terms: they carry over to other shops
MIN_DOCS = 3  # a term must appear in this many conversations to get a weight
MIN_WEIGHT = 0.005  # smaller term weights are left out of the file


def stc3(path: str) -> tuple[list[Conversation], list[int]]:
    convs, labels = [], []
    for d in json.loads(Path(path).read_text(encoding="utf-8")):
        if not d.get("annotations"):
            continue
        msgs = []
        for turn in d["turns"]:
            role = "customer" if turn["sender"] == "customer" else "agent"
            for u in turn["utterances"]:
                msgs.append(Message(len(msgs), 0.0, "", role, role, u, "text" if u else "image"))
        convs.append(Conversation(str(d["id"]), "stc3", "weibo", "customer", msgs))
        labels.append(int(statistics.mean(a["quality"]["S"] for a in d["annotations"]) <= -0.5))
    return convs, labels


def labelled_jsonl(path: str) -> tuple[list[Conversation], list[int]]:
    convs, labels = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        msgs = [Message(i, 0.0, m.get("ts", ""), m["role"], m.get("sender", m["role"]), m.get("text", ""),
                        m.get("type", "text")) for i, m in enumerate(d["messages"])]
        convs.append(Conversation(d.get("conversation_id", str(len(convs))), d.get("shop", ""), "", "", msgs))
        labels.append(int(bool(d["dissatisfied"])))
    return convs, labels


class Features:
    def __init__(self, section: dict, convs: list[Conversation]):
        reader = SignalReader(section.get("lexicons") or {}, section.get("emoticons") or {})
        self.names = list(signal_names())
        self.signals = np.array([[reader.read(c).values.get(n, 0.0) for n in self.names] for c in convs])
        self.terms = [set(customer_terms(c)) for c in convs]

    def matrix(self, rows, vocab: dict[str, int]):
        r, c = [], []
        for k, i in enumerate(rows):
            for t in self.terms[i]:
                j = vocab.get(t)
                if j is not None:
                    r.append(k)
                    c.append(j)
        words = csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(vocab)))
        return hstack([csr_matrix(self.signals[rows] * SIGNAL_SCALE), words]).tocsr()

    def vocab(self, rows) -> dict[str, int]:
        docs: dict[str, int] = {}
        for i in rows:
            for t in self.terms[i]:
                docs[t] = docs.get(t, 0) + 1
        return {t: j for j, t in enumerate(sorted(t for t, n in docs.items() if n >= MIN_DOCS))}

    def fit(self, rows, y):
        vocab = self.vocab(rows)
        model = LogisticRegression(C=C, max_iter=10000).fit(self.matrix(rows, vocab), y[rows])
        return model, vocab


def cross_validated_auc(f: Features, y: np.ndarray, repeats: int = 3, priors: dict | None = None) -> list[float]:
    """AUC of held-out risks; the rule file's hand-set priors are added as the rule adds them."""
    offset = f.signals @ np.array([float((priors or {}).get(n) or 0) for n in f.names])
    aucs = []
    for seed in range(repeats):
        p = np.zeros(len(y))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(f.signals, y):
            model, vocab = f.fit(train, y)
            p[test] = model.decision_function(f.matrix(test, vocab)) + offset[test]
        aucs.append(roc_auc_score(y, p))
    return aucs


def section_of(f: Features, model, vocab: dict[str, int], base: dict) -> dict:
    coef = model.coef_[0]
    n = len(f.names)
    weights = {name: round(float(w) * SIGNAL_SCALE, 4) for name, w in zip(f.names, coef[:n])}
    terms = {t: round(float(coef[n + j]), 3) for t, j in vocab.items() if abs(coef[n + j]) >= MIN_WEIGHT}
    return {
        "threshold": base.get("threshold", 0.5),
        "lexicons": base.get("lexicons", {}),
        "emoticons": base.get("emoticons", {}),
        "priors": base.get("priors", {}),
        "intercept": round(float(model.intercept_[0]), 4),
        "weights": weights,
        "terms": dict(sorted(terms.items(), key=lambda kv: -abs(kv[1]))),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stc3", action="append", default=[], help="STC-3 JSON file with annotations")
    ap.add_argument("--labelled", action="append", default=[], help="JSON Lines of conversations with 'dissatisfied'")
    ap.add_argument("--rules", default=default_rule_file("customer_experience.yaml"),
                    help="rule file whose word lists to use (default: the shipped one)")
    ap.add_argument("--write", help="write the fitted rule file here")
    args = ap.parse_args(argv)
    convs, labels = [], []
    for path in args.stc3:
        c, l = stc3(path)
        convs += c
        labels += l
    for path in args.labelled:
        c, l = labelled_jsonl(path)
        convs += c
        labels += l
    if not convs or len(set(labels)) < 2:
        print("need labelled conversations of both kinds (--stc3 or --labelled)", file=sys.stderr)
        return 2
    data = yaml.safe_load(Path(args.rules).read_text(encoding="utf-8"))
    base = data.get("customer_experience") or {}
    y = np.array(labels)
    f = Features(base, convs)
    aucs = cross_validated_auc(f, y, priors=base.get("priors"))
    print(f"{len(y)} conversations, {int(y.sum())} dissatisfied")
    print(f"AUC, 5-fold cross-validation x{len(aucs)}: {statistics.mean(aucs):.3f} "
          f"({', '.join(f'{a:.3f}' for a in aucs)})")
    model, vocab = f.fit(np.arange(len(y)), y)
    section = section_of(f, model, vocab, base)
    print(f"fitted on all: intercept {section['intercept']}, {len(section['terms'])} term weights")
    for name, w in sorted(section["weights"].items(), key=lambda kv: -abs(kv[1]))[:12]:
        print(f"  {name:20s} {w:+.3f}")
    if args.write:
        head = ("version: 1\nname: 默认客户体验风险\n"
                "# Customer-experience risk (不满风险, rule CX01). Written by benchmarks/fit_cx_risk.py:\n"
                "# word lists by hand, intercept/weights/terms fitted (see docs/customer-experience.md).\n")
        body = yaml.safe_dump({"customer_experience": section}, allow_unicode=True, sort_keys=False, width=120,
                              default_flow_style=None)
        Path(args.write).write_text(head + body, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
