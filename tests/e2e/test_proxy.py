"""The compose file's Caddy config in front of two real instances: TLS from its local CA, the load
spread over both, WebSockets passed through, plain HTTP sent to HTTPS."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import websockets

from scanners.feed import LiveFeed
from server.db import make_engine, make_sessionmaker
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.conftest import DEMO_PASSWORDS
from tests.fresh import fresh_settings
from tests.live import produce
from tests.processes import ServerProcess, answers_ready, floorsync, server_env, stop

REPO = Path(__file__).resolve().parents[2]
CADDYFILE = REPO / "server" / "deploy" / "Caddyfile"


@contextmanager
def instance(settings: Settings, data_dir: Path) -> Iterator[str]:
    port = free_port()
    process = floorsync("serve", env=server_env(settings, data_dir, port=port), cwd=REPO)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.finish()
        assert process.returncode == 0, output.decode()[-3000:]


def caddyfile_for(upstreams: list[str], *, http_port: int, https_port: int, admin_port: int) -> str:
    """The deployment's Caddyfile with this machine's ports in place of the compose services."""
    text = CADDYFILE.read_text()
    assert "app1:8000 app2:8000" in text and "admin 127.0.0.1:2019" in text
    text = text.replace("app1:8000 app2:8000", " ".join(upstreams))
    # no trust store to install into here: the test trusts the CA's root file itself
    return text.replace(
        "admin 127.0.0.1:2019",
        f"admin 127.0.0.1:{admin_port}\n\tskip_install_trust\n\thttp_port {http_port}\n\thttps_port {https_port}",
    )


@contextmanager
def caddy(folder: Path, config: str, *, site: str) -> Iterator[ServerProcess]:
    executable = shutil.which("caddy")
    assert executable, "needs Caddy (Debian's caddy package; .ci/run installs it)"
    (folder / "Caddyfile").write_text(config)
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "HOME": str(folder),
        "FLOORSYNC_SITE": site,
    }
    process = ServerProcess(
        [executable, "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"], env=env, cwd=folder
    )
    try:
        yield process
    finally:
        stop(process)
        process.finish()


async def _answers(https: str, ca: Path) -> bool:
    if not ca.exists():  # noqa: ASYNC240 (a stat while polling)
        return False
    try:
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=str(ca))) as http:
            return (await http.get(f"{https}/readyz", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.e2e
async def test_caddy_serves_two_instances_over_tls_with_websockets(seeded: Settings, tmp_path: Path) -> None:
    async with fresh_settings(seeded) as settings:
        with ExitStack() as stack:
            upstreams = [stack.enter_context(instance(settings, tmp_path / name)) for name in ("a", "b")]
            for upstream in upstreams:
                await wait_until(lambda u=upstream: answers_ready(f"http://{u}"), timeout_s=90, what=upstream)  # type: ignore[misc]
            http_port, https_port, admin_port = free_port(), free_port(), free_port()
            site = f"localhost:{https_port}"
            proxy = stack.enter_context(
                caddy(
                    tmp_path,
                    caddyfile_for(upstreams, http_port=http_port, https_port=https_port, admin_port=admin_port),
                    site=site,
                )
            )
            https = f"https://{site}"
            ca = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
            try:
                await wait_until(lambda: _answers(https, ca), what="Caddy to serve over TLS")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; Caddy printed: {proxy.output().decode()[-3000:]}") from None
            trusted = ssl.create_default_context(cafile=str(ca))

            async with httpx.AsyncClient(base_url=https, verify=trusted) as http:
                login = await http.post(
                    "/api/auth/login", json={"username": "super1", "password": DEMO_PASSWORDS["super1"]}
                )
                assert login.status_code == 200, login.text
                bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
                position = (await http.get("/api/realtime/warehouses/WH1/position", headers=bearer)).json()

                async with AsyncExitStack() as sockets:
                    feeds: list[LiveFeed] = []
                    instances: set[str] = set()
                    while len(instances) < 2 and len(feeds) < 20:
                        ticket = (await http.post("/api/realtime/tickets", headers=bearer)).json()
                        ws = await websockets.connect(f"wss://{site}{ticket['url']}", ssl=trusted, max_size=None)
                        feed = LiveFeed(ws)
                        sockets.push_async_callback(feed.close)
                        feeds.append(feed)
                        instances.add(ws.response.headers["X-Floorsync-Worker"])
                    assert len(instances) == 2, "least-connections put sockets on both instances"

                    for feed in feeds:
                        await feed.subscribe("board:WH1", position=position)
                        await feed.wait_for(lambda f: f.control("subscribed"))
                    engine = make_engine(settings.database_url or "", pool_size=1)
                    try:
                        ids = await produce(make_sessionmaker(engine), "WH1", 3)
                    finally:
                        await engine.dispose()
                    for feed in feeds:
                        await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) >= 3, timeout_s=30)
                        assert [e["entity_id"] for e in feed.topics["board:WH1"].events] == ids

            async with httpx.AsyncClient() as plain:
                answer = await plain.get(f"http://localhost:{http_port}/readyz")
                upstream_state = (await plain.get(f"http://127.0.0.1:{admin_port}/reverse_proxy/upstreams")).json()
            assert answer.status_code in (301, 308) and answer.headers["location"].startswith("https://")
            assert sorted(u["address"] for u in upstream_state) == sorted(upstreams), json.dumps(upstream_state)
