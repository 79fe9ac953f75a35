"""Architecture rules: core never imports bpy/unreal; import and --help stay light."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import REPO

FORBIDDEN_IN_CORE = {"bpy", "unreal", "bmesh", "mathutils"}
HEAVY = ("torch", "onnxruntime", "matplotlib", "bpy", "transformers")


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_core_never_imports_bpy_or_unreal_anywhere():
    offenders = []
    for path in (REPO / "core" / "talkrig").rglob("*.py"):
        bad = FORBIDDEN_IN_CORE.intersection(imported_modules(path))
        if bad:
            offenders.append(f"{path.relative_to(REPO)}: {sorted(bad)}")
    assert not offenders, offenders


def loaded_after(code: str) -> set[str]:
    marker = "LOADED-MODULES:"
    script = f"import sys\n{code}\nprint({marker!r} + ','.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith(marker))
    return {name.split(".")[0] for name in line[len(marker):].split(",")}


def test_import_talkrig_loads_nothing_heavy():
    assert not loaded_after("import talkrig").intersection(HEAVY)


def test_cli_help_loads_nothing_heavy():
    code = ("from talkrig.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert not loaded_after(code).intersection(HEAVY)


def test_every_subcommand_help_loads_nothing_heavy():
    from talkrig.cli.main import SUBCOMMANDS
    import importlib.util

    for name in SUBCOMMANDS:
        if importlib.util.find_spec(f"talkrig.cli.{name}") is None:
            continue
        code = ("from talkrig.cli.main import main\n"
                f"try:\n    main(['{name}', '--help'])\nexcept SystemExit:\n    pass")
        assert not loaded_after(code).intersection({"torch", "bpy", "matplotlib"}), name
