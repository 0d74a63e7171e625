"""One conversation under construction for the day generator, with the clock rules of the QC labels."""
from __future__ import annotations

import json
from math import log as _log

import daygen_phrases as P

OPENS_AT = 9 * 3600  # working hours 09:00-24:00 (the labelling rules' default)
FIRST_LIMIT, ROUND_LIMIT = 30, 90  # seconds: first human reply, later replies
_TWO = [f"{i:02d}" for i in range(60)]


class Chat:
    """Messages under construction, with the clock rules: a reply is timed from the first
    unanswered customer message, or from opening time when that message came while closed."""

    __slots__ = ("g", "t", "msgs", "pending", "customer_name", "agent_name", "labels", "_slow")

    def __init__(self, g, start: int, customer: str, agent: str):
        self.g, self.t, self.msgs, self.pending = g, start, [], None
        self.customer_name, self.agent_name, self.labels, self._slow = customer, agent, [], None

    def _add(self, role, sender, text, typ):
        self.msgs.append((self.t, role, sender, text, typ))
        return len(self.msgs) - 1

    def customer(self, text, typ="text", gap=None):
        if gap is None:  # a burst while waiting, or a new question after reading the reply
            gap = 2 + int(self.g.r() * 6) if self.pending is not None else 6 + int(-_log(1 - self.g.r() * 0.995) * 25)
        t = self.t = self.t + gap
        if self.pending is None:
            self.pending = t
        msgs = self.msgs
        msgs.append((t, "customer", self.customer_name, text, typ))
        return len(msgs) - 1

    def bot(self, sender, text):
        self.t += 1 + int(self.g.r() * 2)
        return self._add("bot", sender, text, "text")

    def system(self, text):
        self.t += 1
        return self._add("system", "system", text, "text")

    def clock_start(self) -> int:
        day_start = self.pending - self.pending % 86400
        return max(self.pending, day_start + OPENS_AT)

    def delay_slow(self, limit: int):
        """A slow delay that stays slow by the working-hours clock (None: cannot, near midnight)."""
        delay = limit + 5 + int(-_log(1 - self.g.r() * 0.99) * (limit * 2))
        start = self.clock_start()
        if (start + delay) % 86400 < start % 86400 or start + delay - self.t < 1:  # would cross 24:00
            return None
        self._slow = delay
        return delay

    def agent(self, text, slow=False, limit=ROUND_LIMIT):
        r = self.g.r
        if self.pending is None:  # a second message in a row
            self.t += 3 + int(r() * 10)
        else:
            start = self.clock_start()
            if slow:
                delay = self._slow
                if delay > 45 and r() < 0.6:  # the customer chases while waiting
                    t_chase = max(self.t + 1, start + 25 + int(r() * 15))
                    if t_chase < start + delay - 2:
                        self.t = t_chase
                        self._add("customer", self.customer_name, self.g.pick(P.CUSTOMER_IMPATIENT), "text")
            else:
                x = r()
                delay = 3 + int(x * x * (limit - 6 if limit == FIRST_LIMIT else 37))
                if limit == ROUND_LIMIT and x > 0.93:
                    delay = 45 + int(r() * 40)  # the slow but still compliant tail
            self.t = max(self.t + 2, start + delay)
            self.pending = None
        msgs = self.msgs
        msgs.append((self.t, "agent", self.agent_name, text, "text"))
        return len(msgs) - 1

    def record(self, shop) -> str:
        """The conversation as one JSON line, without its conversation_id (written by the caller).

        Built as text rather than through json.dumps: this is the generator's hot path, and every
        string that reaches it comes from the phrasebook or from digits, so only quotes and
        backslashes (checked per text) need escaping."""
        prefix, two = self.g.minute_prefix, _TWO
        parts = []
        for t, role, sender, text, typ in self.msgs:
            if '"' in text or "\\" in text:
                text = json.dumps(text, ensure_ascii=False)[1:-1]
            ts = prefix[t // 60] + two[t % 60]
            if typ == "text":
                parts.append(f'{{"ts": "{ts}+08:00", "role": "{role}", "sender": "{sender}", "text": "{text}"}}')
            else:
                parts.append(f'{{"ts": "{ts}+08:00", "role": "{role}", "sender": "{sender}", "text": "{text}", "type": "{typ}"}}')
        return (f'", "shop": "{shop.name}", "platform": "{shop.platform}", "customer": "{self.customer_name}", '
                f'"messages": [{", ".join(parts)}]}}')
