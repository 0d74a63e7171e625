"""A deterministic generator of realistic customer-service days in qc-engine's native JSONL.

    python benchmarks/daygen.py --messages 400000 --out day.jsonl --labels day.labels.jsonl
    python benchmarks/daygen.py --messages 5000 --out-dir sample_logs/2026-11-20 --broken 3

The same seed and options give the same bytes. Output is streamed minute by minute, so memory stays
flat from 10k to millions of messages. A few percent of conversations carry each kind of violation
(KINDS); near misses that must not fire (daygen_phrases.TRAPS) are sprinkled in as well. The optional
labels file says, per conversation, what was injected, in the devset's expected.json vocabulary.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import json
import multiprocessing
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import daygen_phrases as P  # noqa: E402
from daygen_chat import FIRST_LIMIT, OPENS_AT, ROUND_LIMIT, Chat  # noqa: E402

GENERATOR_VERSION = 1  # bump when output for a given seed changes (bench caches by it)

# kind -> (category, default share of conversations that carry it)
KINDS = {
    "slow_first_response": ("latency", 0.03),
    "slow_round": ("latency", 0.03),
    "unanswered": ("latency", 0.02),
    "no_greeting": ("script_adherence", 0.03),
    "no_closing": ("script_adherence", 0.03),
    "ad_law": ("forbidden_phrase", 0.02),
    "off_platform": ("forbidden_phrase", 0.02),
    "abusive": ("forbidden_phrase", 0.01),
    "blame_shifting": ("forbidden_phrase", 0.01),
    "leak_phone": ("privacy_leak", 0.01),
    "leak_address": ("privacy_leak", 0.01),
    "leak_id": ("privacy_leak", 0.005),
    "leak_card": ("privacy_leak", 0.005),
    "asks_code": ("privacy_leak", 0.01),
}
TRAP_RATE = 0.03  # per trap kind
BROKEN_KINDS = ("invalid_json", "missing_messages", "message_without_ts", "bad_role")
# Relative chat traffic per hour of the day: quiet nights (shop closed), evening peak.
HOURLY = (3, 1.5, 0.6, 0.4, 0.3, 0.3, 0.6, 1.2, 2.5, 8, 9, 9, 7, 7, 8, 8, 8, 7, 7, 8, 10, 11, 10, 6)
SAMPLE_SHOPS = (
    ("山野茶庄", "shanye-tea", "tea", "taobao", ("青青", "小禾", "阿岚")),
    ("萌宠用品店", "mengchong-pets", "pets", "taobao", ("阿毛", "豆豆")),
    ("潮流数码旗舰店", "chaoliu-digital", "electronics", "tmall", ("小北", "阿杰", "晴天", "木木")),
)
BLOCK_MINUTES = 10
BLOCKS = 1440 // BLOCK_MINUTES
_DAY_WEIGHT = 60.0 * sum(HOURLY)
MESSAGES_PER_SHOP = 20_000
_TYPICAL_CONVERSATION = 10  # messages
_ACKS = ("好的", "嗯")  # a mid-size shop's Double-11 day; more messages -> more shops
_TWO = [f"{i:02d}" for i in range(60)]
_CUSTOMER_GIVES = {"leak_phone": P.CUSTOMER_GIVES_PHONE, "leak_address": P.CUSTOMER_GIVES_ADDRESS,
                   "leak_id": P.CUSTOMER_GIVES_ID, "leak_card": P.CUSTOMER_GIVES_CARD}


def _two_draws(shares: dict) -> list:
    """Two cumulative tables that together give each name about its share of conversations.

    One uniform draw per table instead of one per name: the first table holds 80% of every share,
    the second 20%, so a conversation carries zero, one or (rarely) two of them."""
    total = sum(shares.values())
    squeeze = 1.0 if total <= 1.0 else 1.0 / total  # shares beyond 100% cannot all be honoured
    tables = []
    for part in (0.8, 0.2):
        names, cum, acc = [], [], 0.0
        for name, share in shares.items():
            if share > 0:
                acc += share * squeeze * part
                names.append(name)
                cum.append(acc)
        tables.append((names, cum))
    return tables


def _draw(tables, r) -> set:
    chosen = set()
    for names, cum in tables:
        u = r()
        if cum and u < cum[-1]:
            chosen.add(names[bisect.bisect_right(cum, u)])
    return chosen


@dataclass(frozen=True)
class DayConfig:
    messages: int = 10_000
    seed: int = 1
    day: str = "2026-11-20"
    shops: int | None = None  # None: from the size (SAMPLE_SHOPS first)
    violation_scale: float = 1.0  # multiplies every KINDS share
    trap_rate: float = TRAP_RATE
    broken: int = 0  # records made unusable on purpose (invalid JSON, schema failures)
    rates: dict = field(default_factory=dict)  # kind -> share, overriding KINDS


@dataclass
class Shop:
    name: str
    slug: str
    category: str
    platform: str
    agents: tuple
    bot: str | None


def build_shops(cfg: DayConfig, rng: random.Random) -> list[Shop]:
    """The day's shops: the three sample shops, then generated ones as the size asks."""
    count = cfg.shops or max(len(SAMPLE_SHOPS), round(cfg.messages / MESSAGES_PER_SHOP))
    shops = [Shop(n, s, c, p, tuple(f"{n}:{a}" for a in agents), f"{n}:店小蜜")
             for n, s, c, p, agents in SAMPLE_SHOPS[:count]]
    categories = sorted(P.SHOP_NAME_PARTS)
    used = {s.name for s in shops}
    while len(shops) < count:
        i = len(shops)
        cat = categories[i % len(categories)]
        heads, tails = P.SHOP_NAME_PARTS[cat]
        base = heads[int(rng.random() * len(heads))] + tails[int(rng.random() * len(tails))]
        # Taken already: the same brand's shop in a city, then numbered, as chains name them.
        candidates = itertools.chain([base], (city + base for city in P.SHOP_CITIES),
                                     (f"{base}{k}号店" for k in itertools.count(2)))
        name = next(c for c in candidates if c not in used)
        used.add(name)
        platform = ("jd" if rng.random() < 0.25 else "tmall" if "旗舰" in name else "taobao")
        names = rng.sample(P.AGENT_NAMES, 2 + int(rng.random() * 5))
        bot = f"{name}:店小蜜" if rng.random() < 0.8 else None
        shops.append(Shop(name, f"shop-{i:03d}", cat, platform, tuple(f"{name}:{a}" for a in names), bot))
    return shops


class DayGenerator:
    """Yields one day's conversations in time order; see iter_records."""

    def __init__(self, cfg: DayConfig):
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.r = self.rng.random
        self.shops = build_shops(cfg, self.rng)
        weights = [0.5 + self.r() for _ in self.shops]
        total, acc = sum(weights), 0.0
        self.shop_cum = []
        for w in weights:
            acc += w / total
            self.shop_cum.append(acc)
        rates = {k: cfg.rates.get(k, share * cfg.violation_scale) for k, (_, share) in KINDS.items()}
        self.kind_draws = _two_draws(rates)
        self.trap_draws = _two_draws(dict.fromkeys(P.TRAPS, cfg.trap_rate))
        d0 = date.fromisoformat(cfg.day)
        self.dates = [(d0 + timedelta(days=i)).isoformat() for i in range(4)]
        self.minute_prefix = [f"{d}T{_TWO[m // 60]}:{_TWO[m % 60]}:" for d in self.dates for m in range(1440)]
        self.compact_day = cfg.day.replace("-", "")
        self.intents = {name: P.COMMON_INTENTS + c["intents"] for name, c in P.CATEGORIES.items()}

    # -- small helpers (hot: keep them cheap) --------------------------------------------------
    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def digits(self, n: int) -> str:
        """n random decimal digits (a float draw carries 15 good ones)."""
        out = ""
        while n > 0:
            k = min(n, 15)
            out += str(int(self.r() * 10 ** k)).zfill(k)
            n -= k
        return out

    # -- the stream ----------------------------------------------------------------------------
    def block(self, index: int) -> list:
        """One BLOCK_MINUTES slice of the day: [(shop index, line tail, message count, label)], in
        time order. Each block has its own seed, so blocks can be made in any process and order."""
        cfg = self.cfg
        self.rng = random.Random(f"daygen:{cfg.seed}:{index}")
        r = self.r = self.rng.random
        first = index * BLOCK_MINUTES
        weights = [HOURLY[m // 60] for m in range(first, first + BLOCK_MINUTES)]
        per_weight = cfg.messages / _DAY_WEIGHT
        budget, out = 0.0, []
        # A conversation starts once the budget passes a random fraction of a typical one, not 0
        # (which would overshoot every block): what is made then matches the budget on average.
        threshold = r() * _TYPICAL_CONVERSATION
        shops, cum, many = self.shops, self.shop_cum, len(self.shops) > 1
        for minute, w in enumerate(weights, first):
            budget += per_weight * w  # what this minute should hold, plus what earlier ones left over
            batch = []
            while budget > threshold:
                start = minute * 60 + int(r() * 60)
                si = bisect.bisect_left(cum, r()) if many else 0
                tail, n, label = self.conversation(shops[si], start)
                budget -= n
                threshold = r() * _TYPICAL_CONVERSATION
                batch.append((start, len(batch), si, tail, n, label))
            batch.sort()
            out.extend((si, tail, n, label) for _, _, si, tail, n, label in batch)
        return out

    def iter_records(self, jobs: int = 1):
        """(shop, JSON line without newline, label, message count) per conversation, by start time.

        A broken record (cfg.broken) comes with message count 0 and a label saying how it is broken.
        jobs > 1 makes blocks in worker processes; the bytes are the same either way."""
        cfg = self.cfg
        est_convs = max(1, cfg.messages // 10)
        broken_at = {(i + 1) * est_convs // (cfg.broken + 1): BROKEN_KINDS[i % len(BROKEN_KINDS)]
                     for i in range(cfg.broken)}
        pool = None
        if jobs > 1:
            ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
            pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(cfg,))
            blocks = pool.imap(_worker_block, range(BLOCKS))
        else:
            blocks = map(self.block, range(BLOCKS))
        seq = 0
        try:
            for block in blocks:
                for si, tail, n, label in block:
                    seq += 1
                    shop = self.shops[si]
                    cid = f"{shop.slug}-{self.compact_day}-{seq:07d}"
                    label["conversation_id"] = cid
                    line = '{"conversation_id": "' + cid + tail
                    if seq in broken_at:
                        kind = broken_at[seq]
                        yield shop, self.corrupt(line, kind), {"conversation_id": cid, "broken": kind}, 0
                    else:
                        yield shop, line, label, n
        finally:
            if pool is not None:
                pool.terminate()

    def corrupt(self, line: str, kind: str) -> str:
        """The line made unusable the way real exports break (cut off, or failing the schema)."""
        if kind == "invalid_json":
            return line[: len(line) * 2 // 3]
        rec = json.loads(line)
        if kind == "missing_messages":
            del rec["messages"]
        elif kind == "message_without_ts":
            del rec["messages"][0]["ts"]
        else:
            rec["messages"][0]["role"] = "客服"
        return json.dumps(rec, ensure_ascii=False)

    # -- one conversation ----------------------------------------------------------------------
    def conversation(self, shop: Shop, start: int):
        r, pick = self.r, self.pick
        kinds = _draw(self.kind_draws, r)
        traps = sorted(_draw(self.trap_draws, r))
        cat = P.CATEGORIES[shop.category]
        product, specs, base_price = pick(cat["products"])
        agent = pick(shop.agents)
        slots = {"p": product, "spec": pick(specs), "price": base_price - 10 * int(r() * 4), "shop": shop.name,
                 "agent": agent.split(":", 1)[1], "courier": pick(P.COURIERS), "n": 3 + int(r() * 18),
                 "bot": "店小蜜"}
        customer = self.nick(shop.platform)
        c = Chat(self, start, customer, agent)
        night = start % 86400 < OPENS_AT
        intents = self.intents[shop.category]
        intent = pick(intents) if r() < 0.4 else pick(cat["intents"])

        # Opening: hello, goods card, the question; a bot may answer before any human.
        if r() < 0.35:
            c.customer(pick(P.CUSTOMER_HELLOS), gap=0)
        if r() < 0.25:
            c.customer(f"[商品] {product} {slots['spec']} ¥{slots['price']}", "goods_card", gap=0 if not c.msgs else None)
        ask, answer = pick(intent[0])
        c.customer(ask.format_map(slots), gap=0 if not c.msgs else None)
        if shop.bot and (night or r() < 0.45):
            c.bot(shop.bot, (pick(P.BOT_CLOSED) if night else pick(P.BOT_FIRST)).format(**slots))
        if r() < 0.08:
            c.system(P.SYSTEM_JOIN.format(a=agent))
        slow_first = "slow_first_response" in kinds
        if slow_first and c.delay_slow(FIRST_LIMIT) is None:
            kinds.discard("slow_first_response")
            slow_first = False
        answer = answer.format_map(slots)
        if "no_greeting" in kinds:
            c.agent(answer, slow=slow_first, limit=FIRST_LIMIT)
        else:
            greeting = pick(P.NIGHT_GREETINGS if night else P.GREETINGS).format(**slots)
            if r() < 0.5:
                c.agent(greeting, slow=slow_first, limit=FIRST_LIMIT)
                c.agent(answer)
            else:
                c.agent(pick(P.GREETING_PREFIXES) + answer, slow=slow_first, limit=FIRST_LIMIT)

        rounds = self.rounds(intent, intents, kinds, traps, slots, shop)
        # A slow reply to a real question: an acknowledgement ("嗯") arguably needs no answer at all.
        askers = [i for i, rd in enumerate(rounds) if rd[0] not in _ACKS]
        slow_round_at = askers[int(r() * len(askers))] if "slow_round" in kinds and askers else -1
        if slow_round_at < 0:
            kinds.discard("slow_round")
        for i, (ask, reply, label_kind, ask_type) in enumerate(rounds):
            if r() < 0.04 and len(shop.agents) > 1:
                other = pick([a for a in shop.agents if a != c.agent_name])
                c.system(P.SYSTEM_TRANSFER.format(a=c.agent_name, b=other))
                c.agent_name = other
            if ask is not None:
                c.customer(ask, ask_type)
                if r() < 0.12:
                    c.customer(pick(P.CUSTOMER_NUDGES))
            slow = i == slow_round_at
            if slow and c.delay_slow(ROUND_LIMIT) is None:
                kinds.discard("slow_round")
                slow = False
            idx = c.agent(reply, slow=slow, limit=ROUND_LIMIT)
            if label_kind:
                c.labels.append((label_kind, idx))

        # Ending.
        if "unanswered" in kinds:
            c.customer(pick(intent[1])[0].format_map(slots))
        elif "no_closing" in kinds:
            c.customer(pick(P.CUSTOMER_ACKS))
            c.agent(pick(P.NON_CLOSINGS))
        else:
            if r() < 0.7:
                c.customer(pick(P.CUSTOMER_ACKS))
            closings = P.CATEGORY_CLOSINGS[shop.category] if r() < 0.3 else P.CLOSINGS
            c.agent(pick(closings).format(**{**slots, "agent": c.agent_name.split(":", 1)[1]}))
        return c.record(shop), len(c.msgs), self.label(kinds, c.labels, traps)

    def rounds(self, intent, intents, kinds, traps, slots, shop):
        """Follow-up rounds (customer ask, agent reply, violation kind or None, ask type), shuffled."""
        r, pick = self.r, self.pick
        n = (0, 1, 1, 1, 2, 2, 2, 3, 3, 4)[int(r() * 10)]
        rounds, follow_ups = [], list(intent[1])
        for _ in range(n):
            if r() < 0.3 or not follow_ups:  # the customer moves on to another topic
                intent = pick(intents)
                follow_ups = list(intent[1])
                ask, reply = pick(intent[0])
            else:  # follow-ups are not asked twice
                ask, reply = follow_ups.pop(int(r() * len(follow_ups)))
            rounds.append((ask.format_map(slots), reply.format_map(slots), None, "text"))
        if not (kinds or traps):
            return rounds
        pd = _PersonalData(self, slots)
        for kind in sorted(kinds):
            if kind in P.VIOLATION_OPENERS:
                rounds.append((pick(P.VIOLATION_OPENERS[kind]), pick(P.VIOLATIONS[kind]).format_map(pd), kind, "text"))
            elif kind in _CUSTOMER_GIVES:
                rounds.append((pick(_CUSTOMER_GIVES[kind]).format_map(pd), pick(P.VIOLATIONS[kind]).format_map(pd), kind, "text"))
        for trap in traps:
            if trap in ("customer_phone", "masked_phone"):
                reply = pick(P.AGENT_SAFE_ACKS) if trap == "customer_phone" else pick(P.TRAPS[trap]).format_map(pd)
                rounds.append((pick(P.CUSTOMER_GIVES_PHONE).format_map(pd), reply, None, "text"))
            elif trap == "order_number":
                order = self.order_number(shop.platform)
                rounds.append((f"[订单] 订单号：{order} 已付款 ¥{slots['price']}", pick(P.TRAPS[trap]).format(order=order),
                               None, "order_card"))
            else:
                rounds.append((_ACKS[int(r() * 2)], pick(P.TRAPS[trap]).format_map(pd), None, "text"))
        if len(rounds) > 1:
            self.rng.shuffle(rounds)
        return rounds

    def label(self, kinds, at, traps) -> dict:
        """What was injected, in the devset's vocabulary (plus the kinds, for finer scoring)."""
        if not kinds and not traps:
            return {"conversation_id": "", "latency": False, "script_adherence": False, "forbidden_phrase": [],
                    "privacy_leak": [], "kinds": [], "traps": []}
        return {
            "conversation_id": "",
            "latency": bool(kinds & {"slow_first_response", "slow_round", "unanswered"}),
            "script_adherence": bool(kinds & {"no_greeting", "no_closing", "unanswered"}),
            "forbidden_phrase": sorted(i for k, i in at if KINDS[k][0] == "forbidden_phrase"),
            "privacy_leak": sorted(i for k, i in at if KINDS[k][0] == "privacy_leak"),
            "kinds": sorted(kinds),
            "traps": traps,
        }

    # -- personal data and ids (realistic formats, checksums included) -------------------------
    # -- personal data and ids (realistic formats, checksums included), made only when asked --
    def pd_phone(self) -> str:
        return self.pick(("138", "139", "150", "151", "158", "186", "187", "135", "136", "177", "199", "181")) + self.digits(8)

    def pd_addr(self) -> str:
        r, pick = self.r, self.pick
        prov, city, districts = pick(P.PROVINCES)
        return (f"{prov}{city if city != prov else ''}{pick(districts)}{pick(P.ROADS)}{1 + int(r() * 300)}号"
                f"{pick(P.ESTATES)}{1 + int(r() * 20)}栋{1 + int(r() * 30)}0{1 + int(r() * 4)}室")

    def pd_name(self) -> str:
        return self.pick(P.SURNAMES) + self.pick(P.GIVEN)

    def pd_wx(self) -> str:
        return self.pick(("tea", "cs", "shop", "vip", "fuli")) + self.digits(5)

    def pd_qq(self) -> str:
        return str(10000 + int(self.r() * 999_990_000))

    def pd_h3(self) -> str:
        return self.digits(3)

    def pd_h4(self) -> str:
        return self.digits(4)

    def pd_id(self) -> str:
        body = (self.pick(P.ID_REGIONS) + f"{1970 + int(self.r() * 36)}{_TWO[1 + int(self.r() * 12)]}"
                f"{_TWO[1 + int(self.r() * 28)]}" + self.digits(3))
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]

    def pd_card(self) -> str:
        body = self.pick(P.CARD_BINS) + self.digits(9 if self.r() < 0.6 else 12)
        total = 0
        for i, d in enumerate(reversed(body)):  # Luhn: double every second digit from the check digit's left
            v = int(d) * (2 if i % 2 == 0 else 1)
            total += v - 9 if v > 9 else v
        card = body + str((10 - total % 10) % 10)
        if self.r() < 0.4:
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        return card

    def order_number(self, platform: str) -> str:
        if platform == "jd":
            return str(2 + int(self.r() * 7)) + self.digits(11)
        return str(2 + int(self.r() * 3)) + self.digits(18)

    def nick(self, platform: str) -> str:
        r = self.r()
        if platform == "jd":
            return "jd_" + f"{int(self.r() * 16 ** 8):08x}"
        if r < 0.3:
            return "tb" + self.digits(10)
        if r < 0.45:
            return "t_" + self.digits(13)
        return self.pick(P.NICK_WORDS) + (self.digits(4) if self.r() < 0.6 else "")


_worker_gen: DayGenerator | None = None


def _init_worker(cfg: DayConfig) -> None:
    global _worker_gen
    _worker_gen = DayGenerator(cfg)


def _worker_block(index: int) -> list:
    return _worker_gen.block(index)


class _PersonalData(dict):
    """Template slots whose personal-data values (phone, addr, id, card, ...) are drawn on first use."""

    __slots__ = ("g",)

    def __init__(self, g: DayGenerator, slots: dict):
        super().__init__(slots)
        self.g = g

    def __missing__(self, key):
        if key in ("masked", "last4"):
            phone = self["phone"]
            value = phone[:3] + "****" + phone[-4:] if key == "masked" else phone[-4:]
        else:
            value = getattr(self.g, "pd_" + key)()
        self[key] = value
        return value


def write_day(cfg: DayConfig, out: Path | None = None, out_dir: Path | None = None,
              labels: Path | None = None, jobs: int = 1) -> dict:
    """Write the day to one JSONL file (out) or one file per shop (out_dir); returns counts."""
    gen = DayGenerator(cfg)
    handles, counts = {}, {"conversations": 0, "messages": 0, "broken": 0}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    single = open(out, "w", encoding="utf-8", newline="\n") if out is not None else None
    label_f = open(labels, "w", encoding="utf-8", newline="\n") if labels is not None else None
    dumps = json.dumps
    try:
        for shop, line, label, n in gen.iter_records(jobs):
            f = single
            if f is None:
                f = handles.get(shop.slug)
                if f is None:
                    f = handles[shop.slug] = open(out_dir / f"{shop.slug}.jsonl", "w", encoding="utf-8", newline="\n")
            f.write(line + "\n")
            counts["conversations"] += 1
            counts["messages"] += n
            counts["broken"] += n == 0
            if label_f is not None:
                label_f.write(dumps(label, ensure_ascii=False) + "\n")
    finally:
        for f in (single, label_f, *handles.values()):
            if f is not None:
                f.close()
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=10_000, help="about how many messages (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--day", default="2026-11-20", help="the date, YYYY-MM-DD")
    ap.add_argument("--shops", type=int, default=None, help="number of shops (default: from the size)")
    ap.add_argument("--violation-scale", type=float, default=1.0, help="multiply every violation share")
    ap.add_argument("--trap-rate", type=float, default=TRAP_RATE, help="share of conversations per trap kind")
    ap.add_argument("--broken", type=int, default=0, help="records to break on purpose (invalid JSON, schema)")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="one JSONL file ('-' for stdout)")
    where.add_argument("--out-dir", type=Path, help="a folder with one JSONL file per shop")
    ap.add_argument("--labels", type=Path, help="also write what was injected, one JSON line per conversation")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (same bytes; helps on an idle machine)")
    a = ap.parse_args(argv)
    cfg = DayConfig(messages=a.messages, seed=a.seed, day=a.day, shops=a.shops, violation_scale=a.violation_scale,
                    trap_rate=a.trap_rate, broken=a.broken)
    out = Path("/dev/stdout") if a.out is not None and str(a.out) == "-" else a.out
    counts = write_day(cfg, out=out, out_dir=a.out_dir, labels=a.labels, jobs=a.jobs)
    print(f"{counts['conversations']} conversations, {counts['messages']} messages, {counts['broken']} broken records",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
