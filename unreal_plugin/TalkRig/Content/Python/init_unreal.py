"""Run by the Python Editor Script Plugin at editor start-up: adds the Tools > TalkRig menu."""

try:
    from talkrig_unreal.menu import register_menu

    register_menu()
except Exception as exc:  # never break editor start-up
    import unreal

    unreal.log_error(f"TalkRig: menu not registered: {exc}")
