"""A stand-in for the Unreal Editor's ``unreal`` Python module, for tests only.

It models only the documented classes and functions the TalkRig plugin calls, with
their documented parameter names (Unreal Python API 5.3-5.5, dev.epicgames.com
``python-api``), keeps a small in-memory editor (assets by path, level actors) and
records every call in :data:`CALLS`. Anything else raises ``AttributeError``, and a
call with a wrong signature raises ``TypeError``, so a typo fails the test.
Tests install it with ``sys.modules["unreal"] = unreal_standin`` (``standins.stage``);
the plugin never imports it.
"""

from ._base import *  # noqa: F401,F403  registries, reset, calls, structs, enums, Object
from .assets import *  # noqa: F401,F403
from .editor import *  # noqa: F401,F403
from .sequencer import *  # noqa: F401,F403

for _name in ("annotations", "enum", "functools", "inspect", "os"):  # star-import leftovers
    globals().pop(_name, None)


def __getattr__(name):  # PEP 562: anything not modelled here does not exist
    raise AttributeError(f"stand-in unreal: unreal.{name} is not modelled")
