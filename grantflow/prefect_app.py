"""Prefect's server app as grantflow serves it: for its own UI and the clients holding its auth string, nobody else.

Prefect's settings give the API an auth string, CSRF tokens and CORS limited to the UI's origins.
Prefect has no setting for the Host header, so a page on a name that resolves to 127.0.0.1 (DNS
rebinding) would be same-origin with the API. The app is therefore wrapped, outside Prefect's own
app, in Starlette's TrustedHostMiddleware (the host names of those origins) and in a check that
refuses any request, websocket included, whose Origin is not one of them. Prefect's in-process
clients (its trigger actions) call its app directly and never pass through the wrapper.

`python -m grantflow.prefect_app --port N` runs it as `prefect server start` runs Prefect's app:
uvicorn in this process, with the background services (triggers, scheduler, …) in its lifespan.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

HOST = "127.0.0.1"


class OwnOriginsOnly:
    """Refuses a request a page of another origin sent: browsers name the page's origin in `Origin`."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app, self.origins = app, frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            origin = Headers(scope=scope).get("origin")
            if origin is not None and origin not in self.origins:
                await PlainTextResponse("Origin not allowed", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def own_origins() -> list[str]:
    """The UI's origins, from Prefect's CORS setting; refused unless the API is protected by auth string and CSRF tokens."""
    from prefect.settings import get_current_settings

    api = get_current_settings().server.api
    origins = [origin.strip() for origin in api.cors_allowed_origins.split(",") if origin.strip()]
    if not origins or "*" in origins:
        raise RuntimeError("PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS must name the UI's origins, not '*'")
    if api.auth_string is None or not api.auth_string.get_secret_value():
        raise RuntimeError("PREFECT_SERVER_API_AUTH_STRING must be set")
    if not api.csrf_protection_enabled:
        raise RuntimeError("PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED must be true")
    return origins


def create_app() -> ASGIApp:
    """Prefect's app (API, UI, background services) behind the host and origin checks; a factory for uvicorn."""
    from prefect.server.api.server import create_app as prefect_app

    origins = own_origins()
    hosts = sorted({urlsplit(origin).hostname or "" for origin in origins} - {""})
    app = OwnOriginsOnly(prefect_app(final=True), origins)
    return TrustedHostMiddleware(app, allowed_hosts=hosts, www_redirect=False)


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn
    from prefect.settings import get_current_settings

    parser = argparse.ArgumentParser(prog="python -m grantflow.prefect_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args(argv).port
    server = get_current_settings().server
    uvicorn.run(
        create_app(), host=HOST, port=port, log_level=server.logging_level.lower(),
        timeout_keep_alive=server.api.keepalive_timeout,
        ws_ping_interval=server.api.websocket_ping_interval, ws_ping_timeout=server.api.websocket_ping_timeout,
    )


if __name__ == "__main__":
    main()
