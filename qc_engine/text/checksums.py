"""What makes a number a mainland ID, a bank card or a mobile number: its region, birth date and GB 11643
check character, the Luhn check, the mobile prefixes."""
from __future__ import annotations

import datetime

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of mainland ID numbers: provinces, plus 71/81/82/83 (Taiwan, Hong Kong, Macao residents).
_ID_REGIONS = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


# Every second digit from the right counts doubled, its two digits summed: 7 -> 14 -> 5.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check used by most bank cards."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    if digits.isascii():
        doubled = digits[-2::-2].translate(_LUHN_DOUBLED)
        return (sum(map(int, digits[-1::-2])) + sum(map(int, doubled))) % 10 == 0
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def id_check_char(first17: str) -> str:
    """The GB 11643 check character ('0'-'9' or 'X') of the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


_EARLIEST_BIRTH = datetime.date(1900, 1, 1)
_YEAR_AT_START = datetime.date.today().year  # any date before this year is in the past, for ever


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born and (year < _YEAR_AT_START or born <= datetime.date.today())


def id_number_valid(number: str, check_sum: bool = True) -> bool:
    """True for an 18-character ID with a real region, a real birth date and (optionally) the GB 11643 check,
    or a 15-digit old-form ID with a real region and birth date."""
    number = number.upper()
    if number[:2] not in _ID_REGIONS:
        return False
    if len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X"):
        if not _real_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return False
        return not check_sum or id_check_char(number[:17]) == number[17]
    if len(number) == 15 and number.isdigit():
        return _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def is_mobile(digits: str) -> bool:
    """True for an 11-digit mainland mobile number (1[3-9]x xxxx xxxx)."""
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and digits.isdigit()
