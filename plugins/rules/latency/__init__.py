"""Response-time rules (LT01 slow first response, LT02 slow later round, LT03 unanswered round) and figures.

How a conversation is cut into rounds:

* A round starts at the first customer message not yet answered; the customer's
  following messages join it; the next human agent message answers it. Bot and
  system messages are not an answer (``latency.count_bots_as_response: true``
  lets a bot answer).
* A bare acknowledgement (好的 / 谢谢 / 嗯嗯 / ok / 拜拜 ...) does not open a round when
  the agent's previous message asked nothing: it needs no reply. After an agent's
  question (需要帮您备注吗？ → 好的) it is an answer that does need one.
* Waiting time is open time only (``working_hours``): a message sent while the shop
  is closed starts the clock at the next opening.
* A round never answered is a miss (LT03) when the shop had more open time than the
  allowed response time between the message and the end of the day on which the
  conversation ends. A message left less than the allowance before closing time is
  carried over to the next opening, not a miss (and not counted in the figures).

Findings sit on the customer message that opened the round and name the agent who
answered it, or for an unanswered round the last agent who served the conversation.

Figures (``figures.ResponseFigures``; agent "" for the conversation, else per agent; all sums and
counts add up per agent and day):

=====================  ==============================================================
rounds                 rounds judged (answered + unanswered)
answered_rounds        rounds a human agent answered
response_time_sum      seconds of open time waited, over answered rounds (avg = sum / answered_rounds)
first_response_time    conversation only: open seconds until the first answer
first_response_sum     per agent: first_response_time of conversations they answered first
first_response_count   per agent: how many such conversations
slowest_response       longest answered wait in seconds (take MAX, not SUM)
rounds_within_3min     answered within 180 s (3-minute response rate = / rounds)
slow_rounds            answered later than allowed (LT01/LT02 findings)
unanswered_rounds      never answered (LT03 findings)
agent_messages         human agent messages (答问比 = agent_messages / customer_messages)
customer_messages      customer messages (per agent: those of the rounds the agent answered or was left
                       with, and the acknowledgements of the agent's answers)
=====================  ==============================================================
"""
from qc_engine import hookimpl
from qc_plugins import default_rule_file
from qc_plugins.rules.latency.rules import SlowFirstResponse, SlowLaterResponse, UnansweredRound


@hookimpl
def register_rules(register):
    for rule in (SlowFirstResponse, SlowLaterResponse, UnansweredRound):
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("latency.yaml"))
