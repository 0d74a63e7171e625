"""How customers are named in the store: masked nicks, or salted hashes when the operator asks for them."""
from __future__ import annotations

import hashlib
import os
from typing import Callable

from qc_engine.text.personal_data import mask_text

SALT_ENV = "QC_CUSTOMER_SALT"


def customer_key_function(salt: str | None) -> Callable[[str], str]:
    """The function that turns a customer's nick into the key stored for them.

    Without a salt the nick is kept (with any phone or ID inside it masked), which
    lets a QC specialist recognise the customer. With a salt it becomes a keyed
    hash: the same customer gets the same key in every table and every run with
    that salt (so orders still join to conversations), and the nick is not stored.
    """
    if not salt:
        return mask_text
    secret = salt.encode("utf-8")

    def key(nick: str) -> str:
        return "c_" + hashlib.blake2b(nick.encode("utf-8"), key=secret[:64], digest_size=8).hexdigest()

    return key


def salt_from_environment() -> str | None:
    return os.environ.get(SALT_ENV) or None
