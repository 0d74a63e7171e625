"""Script-adherence rules: greeting (SC01), closing (SC02), situation phrases (SC03), quick-phrase templates (SC04).

Matching is done on normalized text (qc_engine.text.fold.simplify: traditional to
simplified, full-width to half-width, lower case), so 感謝您的光臨 is a closing.
Only human agent messages are judged. A conversation no human agent ever joined (bot
only) has no greeting to judge, but it does lack the agent's closing when a customer
question in it went unanswered (SC02), like any conversation that ends on an
unanswered question.

What "the end" of a conversation is (SC02): the agent's messages after the
customer's last message that needs a reply. A bare 好的/谢谢/拜拜 from the customer
after the agent's answer needs none, so 感谢光临 → 好的谢谢 still ends properly;
a last real question nobody answered means there was no closing.
"""
from qc_engine import hookimpl
from qc_plugins import default_rule_file
from qc_plugins.rules.script.rules import MissingClosing, MissingGreeting
from qc_plugins.rules.script.situations import MissingSituationPhrase
from qc_plugins.rules.script.templates import RepeatedTemplate


@hookimpl
def register_rules(register):
    for rule in (MissingGreeting, MissingClosing, MissingSituationPhrase, RepeatedTemplate):
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("script.yaml"))
