"""Forbidden-phrase rules (category ``forbidden_phrase``): FP01 advertising-law absolute terms,
FP02 luring the buyer off the platform, FP03 abusive or impolite language, FP04 blame-shifting,
FP05 a shop's own phrases.

All five read the rule-file section ``forbidden_phrases``::

    forbidden_phrases:
      check_bots: false          # also check bot / auto-reply messages
      variants:                  # {name} in a phrase stands for each of these
        微信: [微信, 薇信, vx]
      allow: [第一时间]           # never a finding where one of these is (every list)
      lists:
        - name: ad_absolute      # lists with the same name are merged
          rule: FP01             # which rule reports it (default FP05)
          title: 广告法极限词
          severity: major        # default: the rule's severity
          expected: 不要使用绝对化用语，改为客观描述
          boundary: word         # word (default) | start | none
          skip_negated: false    # true: not when the clause negates or warns (不支持私下交易)
          phrases: [全网最低价, {phrase: 国家级, severity: critical}]
          regexes: [{pattern: "qq\\d{5,}", name: QQ号, only_if_contains: [qq]}]
          allow: [最好的办法]     # allowed for this list only

Phrases, allow entries and regexes all see the *folded* message (see
``qc_engine.text.fold.fold``): simplified Chinese, lower case, half-width,
without spaces, punctuation, symbols or zero-width characters; a regex must be
written for that form (``加v\\d+``, not ``加 V: \\d+``). Regexes always run with
a timeout (``regex_timeout_ms``, default 50); a regex that times out makes the
rule owning it report an error for that conversation (not silently pass it).
An invalid regex stops the rule at start-up with an error naming it.

Only agent messages are checked (and bot ones with ``check_bots``): a customer's
words are never the agent's violation. One finding per message and rule.
"""
from qc_engine import hookimpl
from qc_plugins import default_rule_file
from qc_plugins.rules.forbidden_phrases.rules import RULES


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("forbidden_phrases.yaml"))
