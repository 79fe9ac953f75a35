"""Client for Unreal's Python remote execution (the Python Editor Script Plugin).

Protocol, as described in DESIGN.md and implemented here from that description:

1. Discovery: UDP multicast on group 239.0.0.1 port 6766. Every message is a JSON
   object ``{"magic": "ue_py", "version": 1, "type": ..., "source": <node id>,
   "dest": <node id, optional>, "data": {...}}``. The client sends ``ping``;
   each editor with remote execution enabled answers ``pong`` with its node id and
   ``data`` about itself (project name, engine version, machine, user).
2. The client sends ``open_connection`` to one editor (``dest``) with
   ``data = {"command_ip": ..., "command_port": ...}``: a TCP endpoint the client
   listens on. The editor connects back to it.
3. Over that TCP connection the client sends ``command`` messages
   (``data = {"command": str, "unattended": bool, "exec_mode": "ExecuteFile" |
   "ExecuteStatement" | "EvaluateStatement"}``) and the editor answers each with
   ``command_result`` (``data = {"success": bool, "result": str,
   "output": [{"type": "Info" | "Warning" | "Error", "output": str}]}``).
   Messages on the stream are bare JSON objects, one after another.
4. ``close_connection`` (multicast, ``dest`` = the editor) ends the session.

Defaults keep every packet on this machine: discovery is sent with TTL 0 on the
loopback interface, and the command endpoint listens on 127.0.0.1. On Linux a
socket bound to 127.0.0.1 receives no multicast, so the discovery socket binds to
0.0.0.0 and joins the group on the loopback interface only.

Why not the PyPI client ``upyrc`` (0.12.0, read before deciding): it binds its
multicast socket to 127.0.0.1 by default (receives nothing on Linux), reads its
settings from unprefixed environment variables at import time, builds Windows-only
temp paths (``'\\\\upyrc_output_pipe.json'``), pulls in ``requests`` and ``jinja2``,
sends ``open_connection`` before it listens for the editor's connection, and turns a
command timeout into a result built from ``None``. Too much to work around for a
small protocol.
"""

from __future__ import annotations

import json
import os
import select
import socket
import time
import uuid
from dataclasses import dataclass, field, fields, replace

from talkrig.errors import TalkRigError

MAGIC = "ue_py"
PROTOCOL_VERSION = 1
RECV_BUFFER = 65536  # bytes per recv call; messages may span several
ENV_PREFIX = "TALKRIG_UE_"


@dataclass(frozen=True)
class RemoteOptions:
    """Where and how to find an editor. Every field can be set with ``TALKRIG_UE_<FIELD>``."""

    multicast_group: str = "239.0.0.1"  # Unreal's default discovery group
    multicast_port: int = 6766  # Unreal's default discovery port
    multicast_interface: str = "127.0.0.1"  # local interface discovery is sent and joined on
    multicast_bind: str = "0.0.0.0"  # discovery bind address (127.0.0.1 hears nothing on Linux)
    multicast_ttl: int = 0  # 0: discovery never leaves this machine; 1: local network
    command_host: str = "127.0.0.1"  # address the editor connects back to
    command_port: int = 0  # 0: any free port
    discovery_timeout_s: float = 2.0  # how long to wait for editors to answer a ping
    connect_timeout_s: float = 5.0  # how long to wait for the editor to connect back
    command_timeout_s: float = 300.0  # how long one command may run in the editor
    project: str = ""  # only talk to an editor with this project name ("" = first found)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "RemoteOptions":
        """Defaults, then ``TALKRIG_UE_*`` environment variables, then ``overrides``."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            try:
                values[f.name] = type(getattr(cls(), f.name))(raw)
            except ValueError:
                raise TalkRigError(f"cannot read {raw!r} as {f.type}",
                                   ENV_PREFIX + f.name.upper()) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


@dataclass(frozen=True)
class EditorNode:
    """One running editor that answered a ping."""

    node_id: str
    data: dict = field(default_factory=dict)  # project_name, engine_version, machine, user, ...

    @property
    def label(self) -> str:
        project = self.data.get("project_name") or "unknown project"
        version = self.data.get("engine_version") or "?"
        return f"{project} (Unreal {version}, node {self.node_id[:8]})"


@dataclass(frozen=True)
class CommandResult:
    """What the editor sent back for one command."""

    success: bool
    result: str  # return value (EvaluateStatement) or the error text
    output: tuple[dict, ...]  # log lines: {"type": "Info" | "Warning" | "Error", "output": str}

    def lines(self) -> list[str]:
        return [str(entry.get("output", "")) for entry in self.output]


class RemoteCommandError(TalkRigError):
    """The editor ran the command and it raised."""


def message(kind: str, source: str, dest: str | None = None, data: dict | None = None) -> bytes:
    """Encode one protocol message."""
    body = {"magic": MAGIC, "version": PROTOCOL_VERSION, "type": kind, "source": source}
    if dest is not None:
        body["dest"] = dest
    if data is not None:
        body["data"] = data
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def parse_message(raw: bytes | str) -> dict | None:
    """Decode a message; None for anything that is not a version-1 ``ue_py`` message."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(body, dict) or body.get("magic") != MAGIC
            or body.get("version") != PROTOCOL_VERSION or "type" not in body):
        return None
    return body


def discovery_socket(options: RemoteOptions) -> socket.socket:
    """A UDP socket that sends to and hears the discovery group on the chosen interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        iface = socket.inet_aton(options.multicast_interface)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, options.multicast_ttl)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, iface)
        sock.bind((options.multicast_bind, options.multicast_port))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        socket.inet_aton(options.multicast_group) + iface)
    except OSError as exc:
        sock.close()
        raise TalkRigError(f"cannot open Unreal discovery on {options.multicast_group}:"
                           f"{options.multicast_port} via {options.multicast_interface}: "
                           f"{exc.strerror or exc}", "unreal remote execution") from None
    return sock


def _group(options: RemoteOptions) -> tuple[str, int]:
    return options.multicast_group, options.multicast_port


def _no_editor(options: RemoteOptions) -> TalkRigError:
    wanted = f" with project {options.project!r}" if options.project else ""
    return TalkRigError(
        f"no Unreal Editor{wanted} answered on {options.multicast_group}:{options.multicast_port} "
        f"via {options.multicast_interface} within {options.discovery_timeout_s:g} s; start the "
        "editor with Python remote execution enabled (Project Settings > Plugins > Python > "
        "Enable Remote Execution) and matching multicast settings", "unreal remote execution")


class RemoteExecution:
    """A session with one editor: discover, open, run commands, close.

    Use as a context manager::

        with RemoteExecution(RemoteOptions.from_env()) as editor:
            result = editor.run("print('hello')")
    """

    def __init__(self, options: RemoteOptions = RemoteOptions()):
        self.options = options
        self.node_id = uuid.uuid4().hex
        self.editor: EditorNode | None = None
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._buffer = b""

    # ------------------------------------------------------------ discovery
    def discover(self, first_only: bool = False) -> list[EditorNode]:
        """Ping the group; every editor that answers within ``discovery_timeout_s``
        (or just the first one, as soon as it answers)."""
        udp = self._discovery()
        udp.sendto(message("ping", self.node_id), _group(self.options))
        found: dict[str, EditorNode] = {}
        deadline = time.monotonic() + self.options.discovery_timeout_s
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([udp], [], [], left)
            if not ready:
                break
            body = parse_message(udp.recv(RECV_BUFFER))
            if (body and body["type"] == "pong" and body.get("source") != self.node_id
                    and body.get("dest") in (None, self.node_id)):
                node = EditorNode(str(body["source"]), dict(body.get("data") or {}))
                wanted = self.options.project
                if not wanted or node.data.get("project_name") == wanted:
                    found.setdefault(node.node_id, node)
                    if first_only:
                        break
        return list(found.values())

    def _discovery(self) -> socket.socket:
        if self._udp is None:
            self._udp = discovery_socket(self.options)
        return self._udp

    # ----------------------------------------------------------- connection
    def open(self, editor: EditorNode | None = None) -> EditorNode:
        """Connect to ``editor`` (default: the first editor that answers)."""
        if editor is None:
            editors = self.discover(first_only=True)
            if not editors:
                raise _no_editor(self.options)
            editor = editors[0]
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((self.options.command_host, self.options.command_port))
            listener.listen(1)
            host, port = listener.getsockname()
            self._discovery().sendto(
                message("open_connection", self.node_id, editor.node_id,
                        {"command_ip": host, "command_port": port}), _group(self.options))
            ready, _, _ = select.select([listener], [], [], self.options.connect_timeout_s)
            if not ready:
                raise TalkRigError(
                    f"Unreal Editor {editor.label} answered discovery but did not connect back "
                    f"to {host}:{port} within {self.options.connect_timeout_s:g} s",
                    "unreal remote execution")
            self._tcp, _ = listener.accept()
        finally:
            listener.close()
        self.editor = editor
        return editor

    def close(self) -> None:
        """Tell the editor the session is over and release the sockets."""
        if self._udp is not None and self.editor is not None:
            try:
                self._udp.sendto(message("close_connection", self.node_id, self.editor.node_id),
                                 _group(self.options))
            except OSError:
                pass
        for sock in (self._tcp, self._udp):
            if sock is not None:
                sock.close()
        self._tcp = self._udp = None
        self.editor = None

    def __enter__(self) -> "RemoteExecution":
        try:
            self.open()
        except BaseException:
            self.close()  # release the discovery socket; __exit__ will not run
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- commands
    def run(self, command: str, exec_mode: str = "ExecuteFile", unattended: bool = True,
            timeout_s: float | None = None) -> CommandResult:
        """Run Python in the editor and return its result (it may have failed: see ``success``)."""
        if self._tcp is None or self.editor is None:
            raise TalkRigError("not connected to an Unreal Editor", "unreal remote execution")
        data = {"command": command, "unattended": unattended, "exec_mode": exec_mode}
        self._tcp.sendall(message("command", self.node_id, self.editor.node_id, data))
        timeout = self.options.command_timeout_s if timeout_s is None else timeout_s
        body = self._receive("command_result", timeout)
        data = body.get("data") or {}
        return CommandResult(bool(data.get("success")), str(data.get("result", "")),
                             tuple(e for e in data.get("output") or () if isinstance(e, dict)))

    def run_checked(self, command: str, what: str, timeout_s: float | None = None) -> CommandResult:
        """Like :meth:`run`; an editor-side exception becomes :class:`RemoteCommandError`."""
        result = self.run(command, timeout_s=timeout_s)
        if not result.success:
            raise RemoteCommandError(
                f"the Unreal Editor raised an error: {_last_line(result.result)}", what)
        return result

    def _receive(self, kind: str, timeout_s: float) -> dict:
        """Next message of type ``kind`` on the command stream (others are skipped)."""
        decoder = json.JSONDecoder()
        deadline = time.monotonic() + timeout_s
        while True:
            text = self._buffer.decode("utf-8", errors="replace").lstrip()
            try:
                obj, end = decoder.raw_decode(text)
            except ValueError:
                obj = None
            if obj is not None:
                self._buffer = text[end:].encode("utf-8")
                body = parse_message(json.dumps(obj))
                if body and body["type"] == kind:
                    return body
                continue
            left = deadline - time.monotonic()
            ready = select.select([self._tcp], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise TalkRigError(f"the Unreal Editor did not answer within {timeout_s:g} s "
                                   "(it may still be working or be stuck)",
                                   "unreal remote execution")
            chunk = self._tcp.recv(RECV_BUFFER)
            if not chunk:
                raise TalkRigError("the Unreal Editor closed the connection",
                                   "unreal remote execution")
            self._buffer += chunk


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
