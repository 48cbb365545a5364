"""Money: ISO 4217 currencies, Decimal amounts, integer minor units, and forgiving parsing.

Python code holds amounts as `Decimal`; SQLite holds integer minor units of the row's currency
(`to_minor` / `from_minor`).  Nothing here ever touches a float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Active ISO 4217 codes and their minor-unit exponents (ISO 4217 amendment 179).  Most have 2.
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)

CURRENCY_EXPONENTS: dict[str, int] = {
    **{code: 2 for code in _EXPONENT_2.split()},
    **{code: 0 for code in _EXPONENT_0.split()},
    **{code: 3 for code in _EXPONENT_3.split()},
    **{code: 4 for code in _EXPONENT_4.split()},
}

# Symbols seen around amounts in exports.  Ambiguous ones ($, kr) are accepted but imply no code.
_SYMBOLS = {
    "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "₩": "KRW", "₹": "INR", "₱": "PHP",
    "₫": "VND", "฿": "THB", "₪": "ILS", "₺": "TRY", "₽": "RUB", "₦": "NGN", "₴": "UAH",
    "S$": "SGD", "A$": "AUD", "AU$": "AUD", "US$": "USD", "C$": "CAD", "CA$": "CAD",
    "NZ$": "NZD", "HK$": "HKD", "R$": "BRL", "$": None, "kr": None, "Fr.": "CHF",
}

_ZERO = Decimal(0)


class MoneyError(ValueError):
    """An amount or currency that cannot be read; the message says what was expected."""


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}: expected an ISO 4217 code such as USD") from None


def normalise_currency(text: str) -> str:
    """`' usd '` -> `'USD'`; raises MoneyError for anything that is not an active ISO 4217 code."""
    code = (text or "").strip().upper()
    if not code:
        raise MoneyError("missing currency: expected an ISO 4217 code such as USD")
    if code not in CURRENCY_EXPONENTS:
        raise MoneyError(f"unknown currency {text.strip()!r}: expected an ISO 4217 code such as USD")
    return code


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal -> integer minor units; refuses more minor digits than the currency has."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be Decimal, not {type(amount).__name__}")
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"{amount} has more than {exp} decimal place{'s' if exp != 1 else ''}, "
            f"the minor digits of {currency}"
        )
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units -> Decimal with exactly the currency's minor digits."""
    exp = exponent(currency)
    return Decimal(int(minor)).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def format_minor(minor: int, currency: str) -> str:
    """The CONTRACT's text form for CSV and JSON: `"1234.50"`, `"120000"` for JPY."""
    return str(from_minor(minor, currency))


def display_minor(minor: int, currency: str, *, code: bool = False) -> str:
    """For people: `1,234.50` (with ` USD` when `code`)."""
    exp = exponent(currency)
    text = f"{from_minor(minor, currency):,.{exp}f}"
    return f"{text} {currency}" if code else text


_CODE_AROUND = re.compile(r"^(?P<pre>[A-Za-z]{3})?\s*(?P<body>.*?)\s*(?P<post>[A-Za-z]{3})?$", re.S)
_THOUSANDS_SPACES = "\u00a0\u202f\u2009 '’"


def parse_amount(text: str, currency: str | None = None) -> Decimal:
    """Read an amount as people and ERPs write it.

    Accepts `1,234.50`, `1.234,50`, `1 234,50`, `1'234.50`, `1234.50-` (SAP), `(1,234.50)`,
    `-1234.5`, `+12`, and a currency symbol or ISO code before or after the number.  A code
    that contradicts `currency` is an error.  With `currency` given, more minor digits than it
    has is an error.  A lone comma followed by exactly three digits (`1,234`) is a thousands
    separator unless the currency has three or more minor digits; a lone dot (`12.345`) is always
    a decimal point, so too many digits for the currency is an error, never a silent x1000.
    """
    if text is None:
        raise MoneyError("missing amount")
    raw = str(text)
    s = raw.strip()
    if not s:
        raise MoneyError("missing amount: expected a number such as 1234.50")

    if not any(ch.isdigit() for ch in s):
        raise MoneyError(f"{s!r} is not an amount: expected a number such as 1234.50")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    # Signs may sit outside the currency: "-$5", "$-5", "5-", "USD 5-".
    def take_sign(s: str) -> str:
        nonlocal negative
        if s.endswith("-"):
            negative, s = not negative, s[:-1].strip()
        if s.startswith("-"):
            negative, s = not negative, s[1:].strip()
        elif s.startswith("+"):
            s = s[1:].strip()
        return s

    s = take_sign(s)
    found: str | None = None
    for sym in sorted(_SYMBOLS, key=len, reverse=True):
        if s.startswith(sym) or s.endswith(sym):
            found = _SYMBOLS[sym]
            s = (s[len(sym):] if s.startswith(sym) else s[: -len(sym)]).strip()
            break
    m = _CODE_AROUND.match(s)
    if m and (m.group("pre") or m.group("post")) and not (m.group("pre") and m.group("post")):
        code = (m.group("pre") or m.group("post")).upper()
        if code not in CURRENCY_EXPONENTS:
            raise MoneyError(f"unknown currency {code!r} in amount {raw.strip()!r}")
        found = code
        s = m.group("body")
    s = take_sign(s)
    if currency and found and found != currency:
        raise MoneyError(f"amount {raw.strip()!r} is in {found}, but the row's currency is {currency}")
    cur = currency or found
    exp = CURRENCY_EXPONENTS.get(cur, 2) if cur else 2

    s = _plain_number(s, exp, raw)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise MoneyError(f"{raw.strip()!r} is not an amount: expected a number such as 1234.50") from None
    if not value.is_finite():
        raise MoneyError(f"{raw.strip()!r} is not an amount")
    if cur:
        digits = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0
        if digits > exp:
            raise MoneyError(
                f"{raw.strip()!r} has {digits} decimal place{'s' if digits != 1 else ''}; {cur} has {exp}"
            )
    if negative:
        value = -value
    return value + _ZERO if value else _ZERO


_SEPARATORS = ".," + _THOUSANDS_SPACES


def _plain_number(s: str, exp: int, raw: str) -> str:
    """`1.234,50` -> `1234.50`: find the decimal separator, check and drop the digit groups."""
    bad = MoneyError(f"{raw.strip()!r} is not an amount: expected a number such as 1234.50")
    if not s or any(not (ch.isdigit() and ch.isascii()) and ch not in _SEPARATORS for ch in s):
        raise bad
    seps = [(i, ch) for i, ch in enumerate(s) if ch in _SEPARATORS]
    decimal_at = None
    if seps and seps[-1][1] in ".,":
        last_i, last_ch = seps[-1]
        if s.count(last_ch) == 1:
            others = {ch for _, ch in seps[:-1]}
            digits_after = len(s) - last_i - 1
            # "1,234" is a thousand and more; "12.345" is a decimal (too many digits for USD:
            # an error rather than a silent 12345).  Both read as decimals for BHD-like currencies.
            grouping = (last_ch == "," and not others and digits_after == 3 and exp < 3
                        and s[:last_i] not in ("", "0"))
            if not grouping:
                decimal_at = last_i
    int_part = s if decimal_at is None else s[:decimal_at]
    frac = "" if decimal_at is None else s[decimal_at + 1:]
    if any(not ch.isdigit() for ch in frac):
        raise bad
    group_seps = {ch for ch in int_part if ch in _SEPARATORS}
    if len(group_seps) > 1:
        raise bad
    if group_seps:
        groups = int_part.split(group_seps.pop())
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            raise MoneyError(f"{raw.strip()!r} is not an amount: digit groups must be of three")
        int_part = "".join(groups)
    if not int_part and not frac:
        raise bad
    return f"{int_part or '0'}.{frac}" if frac else (int_part or "0")
