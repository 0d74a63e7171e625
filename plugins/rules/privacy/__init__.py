"""Privacy-leak rules (category privacy_leak): an agent writes out a customer's personal data, or asks for a secret.

PV01 mobile number, PV02 ID number, PV03 bank card number, PV04 full address down to the
door number, PV05 asking for a password or an SMS verification code. Agent messages only: a
customer giving their own data is not the agent's leak, and a bot only repeats what the shop
configured. Masked numbers (138****5678), order and tracking numbers, hotlines, amounts and
dates are not personal data (see ``qc_engine.text.personal_data``).

Rule-file section ``privacy`` (lists add to the built-in words):

    privacy:
      detect: {phone: true, id_number: true, bank_card: true, address: true, secret_request: true}
      allowed_numbers: ["4001234567", "1380000\\d{4}"]   # regexes over the bare digits: the shop's own numbers
      order_words: [售后编号]        # words before a number that make it an order/tracking number
      card_words: [收款账户]          # words before a number that make it a bank card number
      shop_address_words: [退货地址]  # the shop's own address block follows: not a customer's data
      secret_words: [支付口令]        # more secrets an agent must never ask for
      request_words: [拍给我]         # more ways of asking
"""
from qc_engine import hookimpl
from qc_plugins import default_rule_file
from qc_plugins.rules.privacy.rules import RULES


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("privacy.yaml"))
