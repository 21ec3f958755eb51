"""The Prefect server grantflow starts answers its own UI and clients holding the auth string, and nobody else."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from domain.errors import RuleViolation
from grantflow.prefect_server import PrefectServer, read_or_create_auth_string
from tests.helpers import prefect_api

pytestmark = [pytest.mark.sqlite_only, pytest.mark.prefect]  # the server's own protections, whatever grantflow's database
FOREIGN = "http://attacker.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    with PrefectServer(tmp_path_factory.mktemp("served") / "prefect-server", ui=True) as server:
        yield server


@pytest.fixture(scope="module")
def api(server: PrefectServer) -> Iterator[httpx.Client]:
    with prefect_api(server.api_url, server.auth_string) as client:
        yield client


def test_the_api_answers_401_without_the_auth_string_or_with_a_wrong_one(server: PrefectServer) -> None:
    assert httpx.get(f"{server.api_url}/version").status_code == 401
    assert httpx.get(f"{server.api_url}/version", auth=("grantflow", "guess")).status_code == 401
    user, password = server.auth_string.split(":", 1)
    assert httpx.get(f"{server.api_url}/version", auth=(user, password)).status_code == 200


def test_the_health_check_answers_without_the_auth_string(server: PrefectServer) -> None:
    assert httpx.get(f"{server.api_url}/health").json() is True


def test_a_client_with_the_auth_string_and_a_csrf_token_may_write(api: httpx.Client) -> None:
    assert api.post("/flows/", json={"name": "written-by-a-client"}).status_code == 201


def test_a_state_changing_request_without_a_csrf_token_is_refused_even_with_the_auth_string(server: PrefectServer) -> None:
    user, password = server.auth_string.split(":", 1)
    response = httpx.post(f"{server.api_url}/flows/", json={"name": "no-token"}, auth=(user, password))
    assert response.status_code == 403 and response.json() == {"detail": "Missing CSRF token."}


def test_a_state_changing_request_with_a_foreign_origin_is_refused_even_with_the_auth_string_and_a_token(api: httpx.Client) -> None:
    response = api.post("/flows/", json={"name": "from-a-web-page"}, headers={"Origin": FOREIGN})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_a_state_changing_request_from_a_foreign_page_without_credentials_is_refused(server: PrefectServer) -> None:
    # What a page can send without a preflight: a form-like POST, no credentials, no token.
    response = httpx.post(f"{server.api_url}/flows/", content=b'{"name": "x"}', headers={"Origin": FOREIGN, "Content-Type": "text/plain"})
    assert response.status_code == 403


def test_a_cors_preflight_allows_the_ui_origin_and_not_a_foreign_one(server: PrefectServer) -> None:
    asks = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type,prefect-csrf-token"}
    foreign = httpx.options(f"{server.api_url}/flows/", headers={"Origin": FOREIGN, **asks})
    assert foreign.status_code >= 400 and "access-control-allow-origin" not in foreign.headers
    own = httpx.options(f"{server.api_url}/flows/", headers={"Origin": server.ui_url, **asks})
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == server.ui_url


def test_a_foreign_host_header_is_refused(server: PrefectServer) -> None:
    # A name of the attacker's that resolves to 127.0.0.1 (DNS rebinding) reaches the port but not the API.
    response = httpx.get(f"{server.api_url}/health", headers={"Host": f"attacker.example:{server.port}"})
    assert response.status_code == 400
    assert httpx.get(f"http://localhost:{server.port}/api/health").status_code == 200


@pytest.mark.parametrize("headers", [{"Origin": FOREIGN}, {"Host": "attacker.example"}], ids=["origin", "host"])
def test_a_websocket_from_a_foreign_page_or_host_is_refused(server: PrefectServer, headers: dict[str, str]) -> None:
    socket_url = server.api_url.replace("http://", "ws://") + "/events/in"
    with pytest.raises(InvalidStatus) as refused, connect(socket_url, additional_headers=headers, open_timeout=10):
        pass
    assert refused.value.response.status_code in (400, 403)


def test_a_websocket_of_a_client_holding_the_auth_string_is_accepted_from_the_ui_origin(server: PrefectServer) -> None:
    socket_url = server.api_url.replace("http://", "ws://") + "/events/in"
    with connect(socket_url, subprotocols=[Subprotocol("prefect")], additional_headers={"Origin": server.ui_url}, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "auth", "token": server.auth_string}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "auth_success"}


def test_the_ui_loads_and_asks_for_the_auth_string(server: PrefectServer) -> None:
    page = httpx.get(server.ui_url + "/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200 and "<html" in page.text.lower()
    ui = httpx.get(f"{server.ui_url}/ui-settings").json()
    assert ui["auth"] == "BASIC" and ui["csrf_enabled"] is True and ui["api_url"] == server.api_url


def test_the_auth_string_file_is_readable_by_its_owner_alone_and_holds_the_servers_string(server: PrefectServer) -> None:
    assert stat.S_IMODE(server.auth_file.stat().st_mode) == 0o600
    assert server.auth_file.read_text().strip() == server.auth_string
    assert server.environment()["PREFECT_API_AUTH_STRING"] == server.auth_string


def test_the_auth_string_is_made_once_and_reused(tmp_path: Path) -> None:
    first = read_or_create_auth_string(tmp_path / "api-auth")
    assert first == read_or_create_auth_string(tmp_path / "api-auth")
    assert len(first.split(":", 1)[1]) >= 40  # 32 random bytes


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o022, 0o077, 0o277])
def test_the_auth_string_file_is_never_readable_by_others_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        read_or_create_auth_string(tmp_path / "api-auth")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "api-auth").stat().st_mode) & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["api-auth"]


def test_servers_starting_at_once_share_one_auth_string(tmp_path: Path) -> None:
    found: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        found.append(read_or_create_auth_string(tmp_path / "api-auth"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["api-auth"]


@pytest.mark.parametrize(("mode", "content", "rule"), [(0o644, "grantflow:secret\n", "readable by others"), (0o600, "\n", "is empty")])
def test_an_auth_string_file_readable_by_others_or_empty_is_refused_naming_the_file(tmp_path: Path, mode: int, content: str, rule: str) -> None:
    path = tmp_path / "api-auth"
    path.write_text(content)
    path.chmod(mode)
    with pytest.raises(RuleViolation) as refused:
        read_or_create_auth_string(path)
    assert str(path) in str(refused.value) and rule in str(refused.value)


def test_an_auth_string_file_that_is_a_symbolic_link_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_text("grantflow:secret\n")
    (tmp_path / "elsewhere").chmod(0o600)
    (tmp_path / "api-auth").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RuleViolation) as refused:
        read_or_create_auth_string(tmp_path / "api-auth")
    assert str(tmp_path / "api-auth") in str(refused.value) and "cannot be read" in str(refused.value)


@pytest.mark.parametrize("missing", ["PREFECT_SERVER_API_AUTH_STRING", "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS"])
def test_the_app_refuses_to_serve_without_each_protection(tmp_path: Path, missing: str) -> None:
    protected = {"PREFECT_SERVER_API_AUTH_STRING": "grantflow:secret", "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
                 "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": "http://127.0.0.1:4200"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(tmp_path)}
    env |= {k: v for k, v in protected.items() if k != missing}
    result = subprocess.run([sys.executable, "-c", "from grantflow.prefect_app import own_origins; own_origins()"],
                            env=env, check=False, capture_output=True, text=True)
    assert result.returncode != 0 and missing in result.stderr.splitlines()[-1]
