"""Checksums that tell a real identifier from a number that merely looks like one."""

from __future__ import annotations

import datetime as dt

# First two digits of a PRC resident identity number: province-level division codes.
PRC_REGIONS = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)
# ISO 7064 MOD 11-2 weights for the 17 body digits (2**(17-i) mod 11).
_PRC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PRC_CHECK = "10X98765432"


def luhn_ok(digits: str) -> bool:
    """True when a string of ASCII digits passes the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def prc_id_shaped(candidate: str, *, today: dt.date) -> bool:
    """18 characters with a real region code and a plausible birth date (checksum not tested)."""
    if len(candidate) != 18 or not candidate[:17].isascii() or not candidate[:17].isdigit():
        return False
    if candidate[17] not in "0123456789Xx" or int(candidate[:2]) not in PRC_REGIONS:
        return False
    try:
        born = dt.date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= today


def prc_id_ok(candidate: str, *, today: dt.date) -> bool:
    """A PRC resident identity number: ID-shaped and its ISO 7064 MOD 11-2 check character."""
    if not prc_id_shaped(candidate, today=today):
        return False
    total = sum(int(d) * w for d, w in zip(candidate[:17], _PRC_WEIGHTS, strict=True))
    return _PRC_CHECK[total % 11] == candidate[17].upper()


def iban_ok(compact: str) -> bool:
    """An IBAN without spaces passes ISO 13616 MOD 97-10."""
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged.upper())) % 97 == 1


def card_iin_ok(digits: str) -> bool:
    """The leading digits belong to a payment-card network (Amex, Diners, JCB, Visa,
    Mastercard, Discover, UnionPay, Maestro), so order and contract numbers don't count."""
    if digits[0] in "3456":
        return digits[:2] not in {"31", "32", "33"}
    return 2221 <= int(digits[:4]) <= 2720  # Mastercard 2-series
