"""Which shape key receives which take channel (pure Python, no bpy).

Shape keys are matched to take channels by name: canonical ARKit names and the
spellings found in the wild (``eyeBlink_L``, ``EyeBlinkLeft``), ICT-FaceKit's
``_L``/``_R`` names, MetaHuman curve names (``CTRL_expressions_eyeBlinkL``), and
the FLAME Blender add-on's ``Exp1..ExpN`` keys when the FLAME profile is chosen.
A mapping can be edited and saved as a JSON preset.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.rigs import canonical_arkit_name

PRESET_SCHEMA = "talkrig.blender-mapping/1"
PROFILES = ("auto", "arkit52", "metahuman", "flame")
BASIS_NAMES = ("basis", "reference")  # a mesh's rest shape key, never animated
_METAHUMAN_PREFIXES = ("ctrl_expressions_", "ctrl_expressions.")
_FLAME_KEY = re.compile(r"^exp[_ ]?(\d+)$", re.IGNORECASE)
_FLAME_CHANNEL = re.compile(r"^(?:exp|expr|expression)[_ ]?(\d+)$", re.IGNORECASE)
# Regions for per-region strength: the first matching prefix wins.
REGION_PREFIXES = (("brows", ("brow",)),
                   ("eyes", ("eye",)),
                   ("mouth", ("mouth", "jaw", "cheek", "tongue", "nose")))


@dataclass(frozen=True)
class ChannelMapping:
    """Shape key -> take channel assignments.

    Attributes
    ----------
    pairs : tuple of (str, str)
        (shape key name, take channel name), in shape-key order.
    unmapped_targets : tuple of str
        Shape keys no channel drives.
    unused_channels : tuple of str
        Take channels no shape key receives.
    """

    pairs: tuple[tuple[str, str], ...]
    unmapped_targets: tuple[str, ...] = ()
    unused_channels: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the UI: how much was mapped."""
        text = f"mapped {len(self.pairs)} shape keys"
        if self.unmapped_targets:
            text += f", {len(self.unmapped_targets)} unmapped"
        if self.unused_channels:
            text += f"; {len(self.unused_channels)} take channels unused"
        return text


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _strip_metahuman(name: str) -> str:
    lowered = name.lower()
    for prefix in _METAHUMAN_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix):]
    return name


def _flame_pairs(targets: list[str], channels: tuple[str, ...]) -> dict[str, str]:
    """Exp1..ExpN keys (1-based) onto exp channels (0- or 1-based, detected)."""
    numbered = {int(m.group(1)): c for c in channels if (m := _FLAME_CHANNEL.match(c))}
    if not numbered:
        return {}
    base = 0 if 0 in numbered else 1
    out = {}
    for target in targets:
        match = _FLAME_KEY.match(target)
        if match and (int(match.group(1)) - 1 + base) in numbered:
            out[target] = numbered[int(match.group(1)) - 1 + base]
    return out


def _name_pairs(targets: list[str], channels: tuple[str, ...]) -> dict[str, str]:
    """Exact (normalised) names first, then canonical ARKit spellings."""
    by_norm = {_norm(_strip_metahuman(c)): c for c in channels}
    by_arkit = {}
    for channel in channels:
        canonical = canonical_arkit_name(_strip_metahuman(channel))
        if canonical:
            by_arkit.setdefault(canonical, channel)
    out = {}
    for target in targets:
        bare = _strip_metahuman(target)
        channel = by_norm.get(_norm(bare))
        if channel is None:
            canonical = canonical_arkit_name(bare)
            channel = by_arkit.get(canonical) if canonical else None
        if channel is not None:
            out[target] = channel
    return out


def auto_map(targets: list[str] | tuple[str, ...], channels: tuple[str, ...],
             profile: str = "auto") -> ChannelMapping:
    """Match shape-key names to take channels.

    Parameters
    ----------
    targets : list of str
        Shape-key names of the target mesh (the basis key is ignored).
    channels : tuple of str
        The take's channel names.
    profile : str
        One of :data:`PROFILES`; ``flame`` maps ``ExpN`` keys by number.
    """
    if profile not in PROFILES:
        raise TalkRigError(f"unknown rig profile {profile!r} (choose from: "
                           f"{', '.join(PROFILES)})")
    targets = [t for t in targets if t.lower() not in BASIS_NAMES]
    found = _flame_pairs(targets, channels) if profile == "flame" else {}
    if profile != "flame":
        found = _name_pairs(targets, channels)
    return _finish(targets, channels, found)


def _finish(targets: list[str], channels: tuple[str, ...],
            found: dict[str, str]) -> ChannelMapping:
    used = set(found.values())
    return ChannelMapping(
        pairs=tuple((t, found[t]) for t in targets if t in found),
        unmapped_targets=tuple(t for t in targets if t not in found),
        unused_channels=tuple(c for c in channels if c not in used))


def mapping_from_pairs(targets: list[str] | tuple[str, ...], channels: tuple[str, ...],
                       pairs: dict[str, str]) -> ChannelMapping:
    """A mapping from explicit (edited or preset) pairs, keeping only valid ones."""
    targets = [t for t in targets if t.lower() not in BASIS_NAMES]
    known = set(channels)
    found = {t: c for t, c in pairs.items() if t in targets and c in known}
    return _finish(targets, channels, found)


def region_of(channel: str) -> str | None:
    """``mouth``, ``brows`` or ``eyes`` for a channel name (canonical ARKit or not)."""
    name = (canonical_arkit_name(_strip_metahuman(channel)) or _strip_metahuman(channel))
    lowered = name.lower()
    for region, prefixes in REGION_PREFIXES:
        if lowered.startswith(prefixes):
            return region
    return None


# ------------------------------------------------------------------ presets
def save_preset(path: str | os.PathLike, pairs: dict[str, str], profile: str = "auto") -> Path:
    """Write a mapping preset (JSON) and return its path."""
    from talkrig.atomic import atomic_open

    doc = {"schema": PRESET_SCHEMA, "profile": profile, "pairs": dict(sorted(pairs.items()))}
    with atomic_open(path, "w", force=True, encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2)
    return Path(path)


def load_preset(path: str | os.PathLike) -> tuple[dict[str, str], str]:
    """Read a mapping preset: (shape key -> channel pairs, profile)."""
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise TalkRigError("mapping preset not found", path) from None
    except (OSError, ValueError) as exc:
        raise TalkRigError(f"cannot read mapping preset: {exc}", path) from None
    if not isinstance(doc, dict) or doc.get("schema") != PRESET_SCHEMA:
        raise TalkRigError(f"not a TalkRig mapping preset (schema {PRESET_SCHEMA})", path)
    pairs = doc.get("pairs")
    if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
        raise TalkRigError("preset 'pairs' must map shape-key names to channel names", path)
    return {str(k): v for k, v in pairs.items()}, str(doc.get("profile", "auto"))
