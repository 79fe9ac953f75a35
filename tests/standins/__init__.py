"""Test stand-ins for the Unreal Editor (no Unreal Editor runs on CI machines).

- ``unreal_standin``: a stand-in ``unreal`` module with only the documented classes and
  functions the TalkRig plugin calls, recording every call and raising on anything else.
- ``editor_node``: a stand-in editor that speaks the Python remote-execution protocol
  over loopback and runs received Python against ``unreal_standin``.

Never imported by the plugin or the core package.
"""
