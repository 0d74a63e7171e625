"""A vendor's rule plugin, packaged on its own: agents must not promise delivery dates."""
from qc_engine import Rule, hookimpl

__version__ = "1.2.3"


class PromisedDeliveryDate(Rule):
    """The agent promises a delivery date (保证...到), which the shop cannot guarantee.

    Bad:
        customer: 什么时候到
        agent: 保证明天到
    Good:
        customer: 什么时候到
        agent: 一般两到三天送达
    """

    id = "VND01"
    name = "promised-delivery-date"
    category = "promise"
    severity = "minor"

    def check(self, conversation):
        for m in conversation.messages:
            if m.role == "agent" and "保证" in m.text and "到" in m.text:
                yield self.finding(conversation, m.index, m.text[:20], "承诺了送达时间", "说明预计时效，不作保证")


@hookimpl
def register_rules(register):
    register(PromisedDeliveryDate)
