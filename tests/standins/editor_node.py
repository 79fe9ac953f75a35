"""A stand-in Unreal Editor node speaking the Python remote-execution protocol (tests only).

It behaves like an editor with remote execution enabled, written from the protocol
description in DESIGN.md: it answers ``ping`` with ``pong`` on the discovery group,
connects back to the client's command endpoint on ``open_connection``, runs each
``command`` with the stand-in ``unreal`` module and the TalkRig plugin importable, and
answers ``command_result``. Behaviours for failure tests: "silent" (never answers),
"no_connect" (answers pings, never connects back), "hang" (never answers commands).
All loops are bounded by a stop event and short select timeouts.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket
import sys
import threading
import traceback
import uuid

from talkrig.unreal.remote import (RECV_BUFFER, RemoteOptions, discovery_socket, message,
                                   parse_message)

POLL_S = 0.05  # select timeout of every loop: stop() takes effect within this
BEHAVIOURS = ("normal", "silent", "no_connect", "hang")


class StandInEditor(threading.Thread):
    """Run with ``start()``; ``stop()`` ends it. ``commands`` lists what it executed."""

    def __init__(self, options: RemoteOptions, behaviour: str = "normal",
                 project: str = "StandInProject", plugin_path: str | None = None):
        super().__init__(daemon=True, name="stand-in-editor")
        assert behaviour in BEHAVIOURS
        self.options, self.behaviour, self.project = options, behaviour, project
        self.plugin_path = plugin_path
        self.node_id = uuid.uuid4().hex
        self.commands: list[dict] = []
        self.errors: list[str] = []
        self._halt = threading.Event()
        self._udp = discovery_socket(options)  # bound before start(): no lost pings
        self._tcp: socket.socket | None = None
        self._buffer = b""

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                sockets = [self._udp] + ([self._tcp] if self._tcp else [])
                for sock in select.select(sockets, [], [], POLL_S)[0]:
                    if sock is self._udp:
                        self._on_udp(parse_message(self._udp.recv(RECV_BUFFER)))
                    elif sock is self._tcp:  # may have closed while handling the datagram
                        self._on_tcp()
        except Exception:  # recorded for the test to show, never raised in the thread
            self.errors.append(traceback.format_exc())
        finally:
            for sock in (self._udp, self._tcp):
                if sock:
                    sock.close()

    def _send_group(self, kind: str, dest: str, data: dict | None = None) -> None:
        group = (self.options.multicast_group, self.options.multicast_port)
        self._udp.sendto(message(kind, self.node_id, dest, data), group)

    def _on_udp(self, body: dict | None) -> None:
        if not body or body.get("source") == self.node_id or self.behaviour == "silent":
            return
        if body["type"] == "ping":
            self._send_group("pong", body["source"], {
                "project_name": self.project, "engine_version": "5.4.4-standin",
                "machine": "loopback", "user": "test", "project_root": "/tmp/StandIn"})
        elif body["type"] == "open_connection" and body.get("dest") == self.node_id:
            if self.behaviour != "no_connect":
                data = body["data"]
                self._tcp = socket.create_connection((data["command_ip"], data["command_port"]),
                                                     timeout=2)
                self._client = body["source"]
        elif body["type"] == "close_connection" and body.get("dest") == self.node_id:
            if self._tcp:
                self._tcp.close()
                self._tcp = None

    def _on_tcp(self) -> None:
        chunk = self._tcp.recv(RECV_BUFFER)
        if not chunk:
            self._tcp.close()
            self._tcp = None
            return
        self._buffer += chunk
        try:
            body = parse_message(self._buffer)
        except Exception:
            return
        if body is None:
            return  # message not complete yet
        self._buffer = b""
        if body["type"] != "command":
            return
        self.commands.append(body["data"])
        if self.behaviour == "hang":
            return
        self._tcp.sendall(message("command_result", self.node_id, body["source"],
                                  self._execute(body["data"])))

    def _execute(self, data: dict) -> dict:
        """Run the command as the editor would: stand-in ``unreal`` + plugin on the path."""
        from standins import unreal_standin

        saved = sys.modules.get("unreal")
        sys.modules["unreal"] = unreal_standin
        if self.plugin_path and self.plugin_path not in sys.path:
            sys.path.insert(0, self.plugin_path)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(data["command"], "<remote command>", "exec"), {"__name__": "__main__"})
            success, result = True, "None"
        except Exception:
            success, result = False, traceback.format_exc()
        finally:
            if saved is None:
                sys.modules.pop("unreal", None)
            else:
                sys.modules["unreal"] = saved
        output = [{"type": "Info", "output": line} for line in out.getvalue().splitlines()]
        return {"success": success, "command": data["command"][:200], "result": result,
                "output": output}


