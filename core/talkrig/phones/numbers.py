"""Numbers as English speakers say them, for transcripts that write them as digits.

The aligner needs the words actually spoken: "1999" in a transcript is "nineteen
ninety nine", "3:30" is "three thirty", "21st" is "twenty first". A wrong reading
("one thousand nine hundred ninety nine") puts four words where two were said and
drags the neighbouring phones out of place.
"""

from __future__ import annotations

import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                      "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
MAX_CARDINAL = 999_999_999  # larger numbers are read digit by digit
YEAR_RANGE = (1100, 2099)  # four-digit numbers read as years ("nineteen ninety nine")

TIME = re.compile(r"(\d{1,2}):(\d{2})")
DECIMAL = re.compile(r"(\d+)\.(\d+)")
ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)")


def cardinal(number: int) -> list[str]:
    """Words for a non-negative integer ("one hundred twenty three")."""
    if number > MAX_CARDINAL:
        return digits(str(number))
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    for size, name in ((1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if number >= size:
            high, rest = divmod(number, size)
            return cardinal(high) + [name] + (cardinal(rest) if rest else [])
    raise AssertionError("unreachable")


def digits(text: str) -> list[str]:
    """One word per digit ("four one five")."""
    return [_ONES[int(d)] for d in text]


def ordinal(number: int) -> list[str]:
    """Words for an ordinal ("twenty first", "one hundredth")."""
    words = cardinal(number)
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return words[:-1] + [last]


def year(number: int) -> list[str]:
    """A year as spoken: 1999 "nineteen ninety nine", 1905 "nineteen oh five",
    1900 "nineteen hundred", 2005 "two thousand five", 2024 "twenty twenty four"."""
    if 2000 <= number <= 2009:
        return cardinal(number)
    high, low = divmod(number, 100)
    if low == 0:
        return cardinal(high) + ["hundred"]
    return cardinal(high) + (["oh"] if low < 10 else []) + cardinal(low)


def clock_time(hours: int, minutes: int) -> list[str]:
    """3:00 "three o'clock", 3:05 "three oh five", 3:30 "three thirty"."""
    if minutes == 0:
        return cardinal(hours) + ["o'clock"]
    return cardinal(hours) + (["oh"] if minutes < 10 else []) + cardinal(minutes)


def number_token(token: str) -> list[str] | None:
    """Spoken words for a token that is a number (time, decimal, ordinal, year or
    cardinal); None when it is not one."""
    if match := TIME.fullmatch(token):
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return clock_time(hours, minutes)
    if match := DECIMAL.fullmatch(token):
        return cardinal(int(match[1])) + ["point"] + digits(match[2])
    if match := ORDINAL.fullmatch(token):
        return ordinal(int(match[1]))
    if token.isdigit():
        value = int(token)
        if len(token) == 4 and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            return year(value)
        if len(token) > 1 and token.startswith("0"):  # a code or phone number: "oh seven"
            return ["oh" if d == "0" else _ONES[int(d)] for d in token]
        return cardinal(value)
    return None
