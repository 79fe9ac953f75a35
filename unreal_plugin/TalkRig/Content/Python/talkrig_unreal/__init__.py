"""TalkRig editor-side code for Unreal Engine 5.3+.

Every module imports outside the editor: ``unreal`` is imported inside the functions
that use it. The editor applies *key plans* (JSON made by ``talkrig.unreal.keys``);
when the ``talkrig`` package is not importable in the editor's Python, plans are made
by running the ``talkrig`` command line in a subprocess (see :mod:`.core_bridge`).
"""

__version__ = "0.1.0"
