"""The phonetic engine: phones (aligned or recognised) -> visemes -> coarticulated curves.

``curves_from_phones`` is the pure phones -> curves function (also the neural
engine's teacher); ``PhoneticEngine`` adds PocketSphinx to get the phones.
"""

from __future__ import annotations

from talkrig.engines.phonetic.coarticulation import curves_from_phones


def __getattr__(name: str):
    # the engine (and through it PocketSphinx) loads only when asked for
    if name == "PhoneticEngine":
        from talkrig.engines.phonetic.engine import PhoneticEngine

        return PhoneticEngine
    raise AttributeError(name)


__all__ = ["PhoneticEngine", "curves_from_phones"]
