"""A real HTTP endpoint on loopback for Apprise's JSON channel, and an Apprise config file naming it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import yaml

from grantflow.mailsink import free_port


class Receiver:
    """A real HTTP endpoint on loopback that keeps the JSON bodies posted to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        # A short poll: shutdown() waits for it, and every test using the receiver pays it once.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_port}/grantflow"


def config_file(tmp_path: Path, url: str, tag: str) -> Path:
    path = tmp_path / "apprise.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "urls": [{url: [{"tag": tag}]}]}), encoding="utf-8")
    return path
