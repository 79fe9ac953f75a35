"""The Tools > TalkRig menu (ToolMenus), registered by ``init_unreal.py``."""

TOOLS_MENU = "LevelEditor.MainMenu.Tools"
SUBMENU = "TalkRig"
ENTRIES = (  # (entry name, label, tooltip, python command)
    ("TalkRigImportTake", "Import take...",
     "Import a TalkRig take into a new Level Sequence on the selected character",
     "import talkrig_unreal.commands as c; c.menu_import_take()"),
    ("TalkRigBatchFolder", "Batch import folder...",
     "Import every line of a folder or CSV manifest, one Level Sequence each",
     "import talkrig_unreal.commands as c; c.menu_batch_folder()"),
    ("TalkRigGenerateSelected", "Generate from selected SoundWaves...",
     "Generate facial animation from the selected SoundWaves and import it",
     "import talkrig_unreal.commands as c; c.menu_generate_selected()"),
)


def register_menu():
    """Add Tools > TalkRig with the three entries; returns the submenu."""
    import unreal

    menus = unreal.ToolMenus.get()
    tools = menus.find_menu(TOOLS_MENU)
    if tools is None:
        raise RuntimeError(f"menu {TOOLS_MENU} not found")
    submenu = tools.add_sub_menu(SUBMENU, "", SUBMENU, "TalkRig", "Facial animation from speech")
    for name, label, tooltip, command in ENTRIES:
        entry = unreal.ToolMenuEntry(name=name, type=unreal.MultiBlockType.MENU_ENTRY)
        entry.set_label(label)
        entry.set_tool_tip(tooltip)
        entry.set_string_command(unreal.ToolMenuStringCommandType.PYTHON, "", command)
        submenu.add_menu_entry("TalkRig", entry)
    menus.refresh_all_widgets()
    return submenu
