"""Phone annotation readers: Praat TextGrid (long and short text forms, UTF-8/16)
with phone tiers in ARPAbet, IPA or SAMPA, and TIMIT ``.phn`` files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.phones import Phone
from talkrig.phones.labels import SILENCE, normalise_label

TIMIT_RATE = 16_000  # Hz: .phn sample offsets are at 16 kHz
PHONE_TIER_NAMES = ("phones", "phone", "phonemes", "phoneme", "segments", "phn")


@dataclass(frozen=True)
class Interval:
    """One TextGrid interval."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Tier:
    """One interval tier: its name and intervals."""

    name: str
    intervals: tuple[Interval, ...]


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# Tokens of the TextGrid text forms: quoted strings ("" escapes a quote), numbers,
# and flags such as <exists>. Long-form "name = value" keys and comments drop out.
_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(<exists>|<absent>)')


def read_textgrid(path: str | os.PathLike) -> list[Tier]:
    """Interval tiers of a Praat TextGrid (long or short text form).

    Raises
    ------
    TalkRigError
        If the file is missing or not a TextGrid.
    """
    path = Path(path)
    try:
        text = _read_text(path)
    except OSError as exc:
        raise TalkRigError(f"cannot read TextGrid ({exc.strerror})", path) from exc
    if "ooTextFile" not in text[:200] or "TextGrid" not in text[:200]:
        raise TalkRigError("not a Praat TextGrid text file", path)
    # drop the long form's "intervals [3]:" headers: their numbers are not data
    header_end = text.find('"TextGrid"') + len('"TextGrid"')
    body = re.sub(r"\w+ \[\d*\]:?", " ", text[header_end:])
    body = re.sub(r"\w+: size", "size", body)
    tokens = [m.group(1).replace('""', '"') if m.group(1) is not None else
              (float(m.group(2)) if m.group(2) is not None else m.group(3))
              for m in _TOKEN.finditer(body)]
    try:
        return _parse_tokens(tokens)
    except (IndexError, TypeError, ValueError) as exc:
        raise TalkRigError(f"malformed TextGrid ({exc})", path) from exc


def _parse_tokens(tokens: list) -> list[Tier]:
    # xmin xmax <exists> n_tiers, then per tier: class name xmin xmax n items
    pos = 2
    if tokens[pos] == "<exists>":
        pos += 1
    n_tiers = int(tokens[pos])
    pos += 1
    tiers = []
    for _ in range(n_tiers):
        klass, name = tokens[pos], tokens[pos + 1]
        n_items = int(tokens[pos + 4])
        pos += 5
        if klass == "IntervalTier":
            items = [Interval(float(tokens[pos + 3 * k]), float(tokens[pos + 3 * k + 1]),
                              str(tokens[pos + 3 * k + 2])) for k in range(n_items)]
            tiers.append(Tier(str(name), tuple(items)))
            pos += 3 * n_items
        else:  # TextTier: time, mark
            pos += 2 * n_items
    return tiers


def phone_tier(tiers: list[Tier]) -> Tier | None:
    """The phone tier of a TextGrid: named like ``phones`` (MFA writes
    ``<speaker> - phones``), else None."""
    for tier in tiers:
        name = tier.name.lower().strip()
        if name in PHONE_TIER_NAMES or any(name.endswith(f"- {n}") or name.endswith(f"-{n}")
                                           for n in PHONE_TIER_NAMES):
            return tier
    return None


def phones_from_intervals(intervals) -> list[Phone]:
    """Phones from labelled intervals; labels normalised to ARPAbet, unknown ones
    (e.g. non-English phones) kept as ``SIL`` only when they are silence marks and
    otherwise dropped."""
    phones = []
    for iv in intervals:
        label = normalise_label(iv.text)
        if label is None:
            continue
        if iv.end_s > iv.start_s:
            phones.append(Phone(label, float(iv.start_s), float(iv.end_s)))
    return phones


def read_textgrid_phones(path: str | os.PathLike) -> list[Phone]:
    """Phones of the phone tier of a TextGrid.

    Raises
    ------
    TalkRigError
        If the TextGrid has no phone tier.
    """
    tier = phone_tier(read_textgrid(path))
    if tier is None:
        raise TalkRigError("TextGrid has no phone tier (expected a tier named 'phones')", path)
    return phones_from_intervals(tier.intervals)


def read_timit_phn(path: str | os.PathLike, rate: int = TIMIT_RATE) -> list[Phone]:
    """Phones of a TIMIT ``.phn`` file (``start_sample end_sample label`` lines).

    Raises
    ------
    TalkRigError
        For a missing file or a malformed line.
    """
    path = Path(path)
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise TalkRigError(f"cannot read phone file ({exc.strerror})", path) from exc
    intervals = []
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise TalkRigError(f"line {number}: expected 'start end label'", path)
        try:
            start, end = int(parts[0]) / rate, int(parts[1]) / rate
        except ValueError as exc:
            raise TalkRigError(f"line {number}: sample offsets must be integers", path) from exc
        intervals.append(Interval(start, end, parts[2]))
    return phones_from_intervals(intervals)


def read_phones(path: str | os.PathLike) -> list[Phone]:
    """Phones from a ``.TextGrid`` or TIMIT ``.phn`` file, by extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".textgrid":
        return read_textgrid_phones(path)
    if suffix == ".phn":
        return read_timit_phn(path)
    raise TalkRigError("unknown phone annotation format (expected .TextGrid or .phn)", path)


__all__ = ["Interval", "Tier", "read_textgrid", "phone_tier", "read_textgrid_phones",
           "read_timit_phn", "read_phones", "SILENCE"]
