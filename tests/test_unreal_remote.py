"""``talkrig unreal push`` against a stand-in editor over the remote-execution protocol.

Each scenario runs in a subprocess (``tests/standins/remote_scenario.py``) holding the
stand-in editor node and the real client. When ``unshare -rn`` works the subprocess gets
its own network namespace with only a loopback interface, so discovery traffic cannot
leave; otherwise (or with TALKRIG_TEST_NETNS=0) it runs on loopback with multicast TTL 0
on a random port.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import dev_file
from talkrig.formats import write_take
from talkrig.pipeline import GenerateOptions, generate
from talkrig.unreal.remote import RemoteOptions, message, parse_message

SCENARIO = Path(__file__).parent / "standins" / "remote_scenario.py"
NETNS = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
UNREAL_PORT = 6766  # inside a private namespace the real default port is free


@functools.lru_cache(maxsize=None)
def netns_available() -> bool:
    if os.environ.get("TALKRIG_TEST_NETNS") == "0":  # force the loopback/TTL 0 fallback
        return False
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = subprocess.run([*NETNS, "true"], capture_output=True, timeout=10)
    return probe.returncode == 0


def run_scenario(name: str, path: Path | None = None) -> dict:
    if netns_available():
        prefix, port = NETNS, UNREAL_PORT
    else:  # loopback only, TTL 0, a port no editor uses
        prefix, port = [], random.randint(20000, 60000)
    cmd = [*prefix, sys.executable, str(SCENARIO), name, str(port)]
    if path is not None:
        cmd.append(str(path))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["editor_errors"] == []
    result["stdout"] = done.stdout
    return result


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("takes")
    first = generate(dev_file("acoustic_corpus.wav"), GenerateOptions(emotion="happy:0.6"))
    second = generate(dev_file("michaelandsickmichael.wav"), GenerateOptions(emotion="sad"))
    write_take(first, folder / "line_001.take.json")
    write_take(second, folder / "line_002.take.json")
    return folder, first, second


def test_pushing_one_take_creates_one_keyed_sequence_in_the_editor(takes):
    folder, first, _ = takes
    result = run_scenario("push", folder / "line_001.take.json")
    (report,) = result["reports"]
    assert report["ok"] and report["sequence"] == "/Game/Dialogue/LS_line_001"
    keyed = result["keyed"]["/Game/Dialogue/LS_line_001"]
    assert keyed["CTRL_C_jaw"] == first.n_frames  # one key per frame of a moving control
    assert keyed["CTRL_L_ear_up"] == 1  # a control the take never moves: one key
    assert "/Game/Dialogue/SW_acoustic_corpus" in result["assets"]
    assert result["commands"] == 1


def test_pushing_a_folder_imports_every_take_and_reports_a_broken_one(takes, tmp_path):
    folder, first, second = takes
    for name in ("line_001.take.json", "line_002.take.json"):
        shutil.copy(folder / name, tmp_path / name)
    (tmp_path / "line_003.take.json").write_text("{not json")
    result = run_scenario("push", tmp_path)
    ok = [r for r in result["reports"] if r["ok"]]
    bad = [r for r in result["reports"] if not r["ok"]]
    assert [r["sequence"] for r in ok] == ["/Game/Dialogue/LS_line_001",
                                          "/Game/Dialogue/LS_line_002"]
    assert len(bad) == 1 and "line_003.take.json" in bad[0]["error"]
    assert result["keyed"]["/Game/Dialogue/LS_line_002"]["CTRL_C_jaw"] == second.n_frames
    assert result["commands"] == 2  # the broken take never reached the editor


def test_the_cli_push_prints_one_line_per_take(takes):
    folder, _, _ = takes
    result = run_scenario("cli_push", folder)
    assert result["exit_code"] == 0
    assert "line_001.take.json -> /Game/Dialogue/LS_line_001" in result["stdout"]
    assert "2 of 2 takes imported" in result["stdout"]


def test_pushing_a_batch_folder_follows_the_manifest(tmp_path):
    from talkrig.batch import BatchOptions, run_batch

    manifest = tmp_path / "dialogue.csv"
    manifest.write_text(
        "audio,emotion,character,sequence\n"
        f"{dev_file('mfa_a.flac')},happy,BP_Ada,/Game/Dialogue/Act1/LS_intro\n"
        f"{dev_file('mfa_apex.flac')},sad,,\n"
        "missing.wav,,BP_Ada,\n")
    run_batch(manifest, tmp_path / "takes", BatchOptions(workers=1))
    result = run_scenario("push_batch", tmp_path / "takes")
    first, second, third = result["reports"]
    assert first["ok"] and first["sequence"] == "/Game/Dialogue/Act1/LS_intro"
    assert not second["ok"] and "no actor to animate" in second["error"]
    assert not third["ok"] and third["error"].startswith("not generated:")
    assert result["commands"] == 1


def test_arkit_push_bakes_curves_into_an_anim_sequence(takes):
    folder, first, _ = takes
    result = run_scenario("push_arkit", folder / "line_001.take.json")
    assert result["reports"][0]["ok"]
    curves = result["keyed"]["/Game/Dialogue/AS_line_001"]
    assert len(curves) == 52 + 6  # the shapes and Live Link Face's eye rotations (gaze)
    assert curves["jawOpen"] == first.n_frames and "LeftEyeYaw" in curves


def test_discovery_finds_the_editor_and_its_project():
    result = run_scenario("ping")
    assert [e["project_name"] for e in result["editors"]] == ["StandInProject"]


def test_no_editor_gives_a_clear_error_after_the_discovery_timeout(takes):
    folder, _, _ = takes
    result = run_scenario("silent", folder / "line_001.take.json")
    assert "no Unreal Editor answered on 239.0.0.1" in result["error"]
    assert "Enable Remote Execution" in result["error"]
    assert 0.9 <= result["seconds"] < 5


def test_an_editor_that_never_connects_back_times_out(takes):
    folder, _, _ = takes
    result = run_scenario("no_connect", folder / "line_001.take.json")
    assert "did not connect back" in result["error"] and result["seconds"] < 5


def test_an_editor_that_never_answers_a_command_times_out(takes):
    folder, _, _ = takes
    result = run_scenario("hang", folder / "line_001.take.json")
    assert "did not answer within 2 s" in result["error"]
    assert result["commands"] == 1 and result["seconds"] < 6


def test_an_editor_side_exception_becomes_a_one_line_error():
    result = run_scenario("raise")
    assert result["error_type"] == "RemoteCommandError"
    assert result["error"] == ("test command: the Unreal Editor raised an error: "
                               "ValueError: boom from the editor")


def test_an_import_that_fails_in_the_editor_is_reported_per_take(takes):
    folder, _, _ = takes
    result = run_scenario("push_bad_actor", folder / "line_001.take.json")
    (report,) = result["reports"]
    assert not report["ok"]
    assert "no actor labelled 'Nobody' in the open level" in report["error"]
    assert result["assets"] == []  # nothing half-made is left in the project


def test_messages_carry_the_protocol_magic_and_version():
    raw = message("ping", "abc")
    assert json.loads(raw) == {"magic": "ue_py", "version": 1, "type": "ping", "source": "abc"}
    assert parse_message(raw)["type"] == "ping"
    assert parse_message(b'{"magic": "other", "version": 1, "type": "ping"}') is None
    assert parse_message(b"not json") is None


def test_remote_options_default_to_loopback_and_read_the_environment():
    default = RemoteOptions.from_env({})
    assert (default.multicast_interface, default.multicast_ttl, default.command_host) == \
        ("127.0.0.1", 0, "127.0.0.1")
    env = RemoteOptions.from_env({"TALKRIG_UE_MULTICAST_PORT": "7000",
                                  "TALKRIG_UE_MULTICAST_GROUP": "239.0.0.2"}, multicast_ttl=1)
    assert (env.multicast_port, env.multicast_group, env.multicast_ttl) == (7000, "239.0.0.2", 1)
