"""Text normalization for SSML say-as (numbers, ordinals, digits, dates, times, telephone numbers) and,
in plain English text, units of measure after a number (160 km/h → 160 kilometers per hour).

Words are produced in English; for other languages the digits are left for espeak-ng, which reads
numbers in the voice's own language.
"""

from __future__ import annotations

import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}
_MONTHS = ("January February March April May June July August September October November "
           "December").split()


def cardinal(number: int) -> str:
    """English words for an integer: 1234 → one thousand two hundred thirty-four."""
    if number < 0:
        return "minus " + cardinal(-number)
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return _ONES[hundreds] + " hundred" + (" " + cardinal(rest) if rest else "")
    for scale, name in _SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return cardinal(high) + " " + name + (" " + cardinal(rest) if rest else "")
    raise AssertionError(number)


def ordinal(number: int) -> str:
    """English ordinal words: 21 → twenty-first."""
    words = cardinal(number)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def number_text(text: str) -> str:
    """Words for a number as written ("1,234", "-3.25", "12th"); the text itself if it is not one."""
    clean = text.replace(",", "").strip()
    match = re.fullmatch(r"(\d+)(st|nd|rd|th)", clean)
    if match:
        return ordinal(int(match.group(1)))
    match = re.fullmatch(r"([-+]?)(\d+)(?:\.(\d+))?", clean)
    if not match:
        return text
    words = ("minus " if match.group(1) == "-" else "") + cardinal(int(match.group(2)))
    if match.group(3):
        words += " point " + " ".join(_ONES[int(d)] for d in match.group(3))
    return words


def characters(text: str) -> str:
    """Spell out: each character as a separate letter/digit."""
    return " ".join(_ONES[int(c)] if c.isdigit() else c.upper() for c in text if not c.isspace())


def digits(text: str) -> str:
    return " ".join(_ONES[int(c)] for c in text if c.isdigit())


def telephone(text: str) -> str:
    """Digit groups read one digit at a time, groups separated by a pause."""
    groups = re.findall(r"\d+", text)
    return ", ".join(digits(group) for group in groups) if groups else text


def date(text: str, fmt: str) -> str:
    """Read a date in `fmt` (mdy, dmy, ymd, md, dm, ym, my, y, m, d, yyyymmdd)."""
    if fmt == "yyyymmdd":
        match = re.fullmatch(r"(\d{4}|\?{4})(\d\d|\?\?)(\d\d|\?\?)", text.strip())
        parts = list(match.groups()) if match else []
        fmt = "ymd"
    else:
        parts = re.split(r"[-/.\s]+", text.strip())
    if len(parts) != len(fmt):
        return text
    values = dict(zip(fmt, parts))
    words = []
    if "m" in values and values["m"].isdigit() and 1 <= int(values["m"]) <= 12:
        words.append(_MONTHS[int(values["m"]) - 1])
    if "d" in values and values["d"].isdigit():
        words.append(ordinal(int(values["d"])))
    if "y" in values and values["y"].isdigit():
        year = int(values["y"])
        if 1100 <= year <= 9999 and year % 100 and not 2000 <= year < 2010:
            words.append(cardinal(year // 100) + " " + (cardinal(year % 100) if year % 100 >= 10
                                                        else "oh " + cardinal(year % 100)))
        else:
            words.append(cardinal(year))
    return " ".join(words) if words else text


def duration(text: str) -> str:
    """A time as Polly's say-as time reads it: 1'21" → one minute twenty-one seconds; 10:30 → ten thirty."""
    match = re.fullmatch(r"\s*(?:(\d+)')?\s*(?:(\d+)\")?\s*", text)
    if match and any(match.groups()):
        words = []
        for value, unit in zip(match.groups(), ("minute", "second")):
            if value:
                words.append(f"{cardinal(int(value))} {unit}{'' if int(value) == 1 else 's'}")
        return " ".join(words)
    match = re.fullmatch(r"\s*(\d{1,2}):(\d\d)\s*([AaPp][Mm])?\s*", text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        words = cardinal(hours) + (" o'clock" if minutes == 0 else
                                   " oh " + cardinal(minutes) if minutes < 10 else " " + cardinal(minutes))
        return words + (" " + " ".join(match.group(3).upper()) if match.group(3) else "")
    return text


# unit → (singular, plural) as an English voice reads it after a number
_UNITS = {"km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
          "mph": ("mile per hour", "miles per hour"), "m/s": ("meter per second", "meters per second"),
          "km": ("kilometer", "kilometers"), "kg": ("kilogram", "kilograms"), "cm": ("centimeter", "centimeters"),
          "mm": ("millimeter", "millimeters"), "mg": ("milligram", "milligrams"), "ml": ("milliliter", "milliliters"),
          "kw": ("kilowatt", "kilowatts"), "kwh": ("kilowatt hour", "kilowatt hours"),
          "°c": ("degree Celsius", "degrees Celsius"), "°f": ("degree Fahrenheit", "degrees Fahrenheit")}
_MEASURE = re.compile(r"(\d[\d,.]*)?(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")",
                      re.I)


def unit(token: str, previous: str) -> str | None:
    """How an English voice reads a unit written after a number ("160km/h", or "km/h" when `previous`
    is "160"); None when the token is not a unit after a number."""
    match = _MEASURE.fullmatch(token)
    number = match.group(1) if match else None
    if not match or not (number or re.fullmatch(r"\d[\d,.]*", previous)):
        return None
    singular, plural = _UNITS[match.group(2).lower()]
    words = singular if (number or previous) == "1" else plural
    return f"{number} {words}" if number else words
