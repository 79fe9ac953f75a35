"""``talkrig unreal``: send takes to a running Unreal Editor, or make key plans for it."""

from __future__ import annotations

import sys

from talkrig.cli.common import subparser
from talkrig.unreal.naming import DEFAULT_CONTROL_RIG
from talkrig.unreal.remote import RemoteOptions

TARGET_HELP = ("metahuman: key the MetaHuman face board (face Control Rig); "
               "arkit: float curves for ARKit morph targets")


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "unreal", "Unreal Engine: push takes into a running editor "
                  "(Python remote execution) or write key plans.", _no_action)
    actions = p.add_subparsers(dest="unreal_command", metavar="ACTION")
    push = subparser(actions, "push", "Import a take, or every take in a folder, into new "
                     "Level Sequences in a running Unreal Editor.", run_push)
    push.add_argument("path", metavar="TAKE_OR_FOLDER",
                      help="take file, folder of takes, or a talkrig batch output folder "
                      "(then each line's character and sequence path are used)")
    push.add_argument("--sequence-dir", default="/Game/TalkRig", metavar="/Game/...",
                      help="content folder for the new Level Sequences")
    push.add_argument("--actor", default="", metavar="LABEL",
                      help="label of the level actor to animate (MetaHuman or ARKit "
                      "character); required unless a batch manifest names the character")
    push.add_argument("--target", choices=("metahuman", "arkit"), default="metahuman",
                      help=TARGET_HELP)
    push.add_argument("--control-rig", default=DEFAULT_CONTROL_RIG, metavar="ASSET",
                      help="face board Control Rig asset")
    push.add_argument("--no-audio", action="store_true", help="do not import the take audio")
    _remote_args(push)
    ping = subparser(actions, "ping", "List the Unreal Editors that answer discovery.", run_ping)
    _remote_args(ping)
    plan = subparser(actions, "plan", "Write the key plan (JSON) the TalkRig plugin imports; "
                     "used by the plugin when TalkRig is not installed in the editor.", run_plan)
    plan.add_argument("take", metavar="TAKE", help="take file")
    plan.add_argument("-o", "--output", required=True, metavar="OUT", help="plan file (.json)")
    plan.add_argument("--target", choices=("metahuman", "arkit"), default="metahuman",
                      help=TARGET_HELP)
    plan.add_argument("--force", action="store_true", help="overwrite OUT if it exists")


def _remote_args(p) -> None:
    env = RemoteOptions.from_env()  # defaults shown in help include TALKRIG_UE_* overrides
    g = p.add_argument_group("remote execution (defaults: loopback, or TALKRIG_UE_* variables)")
    g.add_argument("--multicast-group", default=env.multicast_group, metavar="IP",
                   help="discovery multicast group (the editor's Multicast Group Endpoint)")
    g.add_argument("--multicast-port", type=int, default=env.multicast_port, metavar="N",
                   help="discovery port")
    g.add_argument("--multicast-interface", default=env.multicast_interface, metavar="IP",
                   help="local interface discovery uses (127.0.0.1: this machine only)")
    g.add_argument("--multicast-ttl", type=int, default=env.multicast_ttl, metavar="N",
                   help="discovery TTL (0: never leaves this machine)")
    g.add_argument("--command-host", default=env.command_host, metavar="IP",
                   help="address the editor connects back to")
    g.add_argument("--project", default=env.project,
                   help="only use the editor with this project name (empty: first found)")
    g.add_argument("--discovery-timeout", type=float, default=env.discovery_timeout_s,
                   metavar="S", help="seconds to wait for editors to answer")
    g.add_argument("--timeout", type=float, default=env.command_timeout_s, metavar="S",
                   help="seconds one import may take in the editor")


def _remote_options(args):
    return RemoteOptions.from_env(
        multicast_group=args.multicast_group, multicast_port=args.multicast_port,
        multicast_interface=args.multicast_interface, multicast_ttl=args.multicast_ttl,
        command_host=args.command_host, project=args.project, command_timeout_s=args.timeout,
        discovery_timeout_s=args.discovery_timeout)


def _no_action(args) -> int:
    print("talkrig unreal: choose an action: push, ping or plan (see --help)", file=sys.stderr)
    return 2


def run_push(args) -> int:
    from talkrig.unreal.keys import KeyOptions
    from talkrig.unreal.push import ImportSettings, push

    settings = ImportSettings(sequence_dir=args.sequence_dir, actor=args.actor,
                              control_rig=args.control_rig,
                              import_audio=not args.no_audio)
    reports = push(args.path, settings, KeyOptions(target=args.target), _remote_options(args))
    for report in reports:
        if report.ok:
            print(f"{report.take} -> {report.sequence} ({report.details.get('keys', 0)} keys)")
            for note in report.details.get("warnings", []):
                print(f"talkrig: warning: {report.take}: {note}", file=sys.stderr)
        else:
            print(f"talkrig: error: {report.take}: {report.error}", file=sys.stderr)
    failed = sum(not r.ok for r in reports)
    if len(reports) > 1:
        print(f"{len(reports) - failed} of {len(reports)} takes imported")
    return 1 if failed else 0


def run_ping(args) -> int:
    from talkrig.unreal.remote import RemoteExecution

    session = RemoteExecution(_remote_options(args))
    try:
        editors = session.discover()
    finally:
        session.close()
    for editor in editors:
        print(editor.label)
    if not editors:
        print("no Unreal Editor answered", file=sys.stderr)
    return 0 if editors else 1


def run_plan(args) -> int:
    import json

    from talkrig.atomic import atomic_open
    from talkrig.formats import read_take
    from talkrig.unreal.keys import KeyOptions, build_plan
    from talkrig.unreal.naming import stem_of

    take = read_take(args.take)
    plan = build_plan(take, KeyOptions(target=args.target), name=stem_of(args.take),
                      source=str(args.take))
    with atomic_open(args.output, "w", force=args.force, encoding="utf-8") as handle:
        json.dump(plan.to_json(), handle, separators=(",", ":"))
    return 0
