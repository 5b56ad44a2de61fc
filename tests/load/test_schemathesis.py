"""Schemathesis against the server's own OpenAPI document: every operation, generated valid and invalid
requests; no response may be a 5xx and every response must match its documented schema.

Three passes against one real server on a database of its own (the fuzzer creates and releases things):
1. as admin, every operation except the few that end the caller's own session, with ``{warehouse}`` set
   to WH1 so requests reach the business logic instead of stopping at a 404;
2. as a user scoped to WH1 only, every warehouse operation with generated warehouses (scope checks);
3. as admin, last, the operations that end a session (logout, device registration, disabling).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.settings import Settings
from tests.fresh import fresh_settings
from tests.load.process import serving

MAX_EXAMPLES = 30  # per operation and phase: the three passes take a few minutes
SESSION_ENDING = ("logout", "disableUser", "registerDevice", "disableDevice")
SCOPED_NAME, SCOPED_PASSWORD = "wh1-scoped", "scoped-password"
SCOPED_USER = {"username": SCOPED_NAME, "display_name": "WH1 only", "roles": ["supervisor", "picker", "receiver"],
               "warehouses": ["WH1"], "password": SCOPED_PASSWORD}


def _token(url: str, username: str, password: str) -> str:
    answer = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _schemathesis(
    url: str, token: str, folder: Path, *extra: str, config: str = ""
) -> subprocess.CompletedProcess[str]:
    config_file = folder / "schemathesis.toml"
    config_file.write_text(config)
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_file), "run",
        f"{url}/schema/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing", "--seed", "7", "--workers", "2", "--suppress-health-check", "all",
        "--request-timeout", "30", *extra,
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, env=env, cwd=folder)


def _passes(url: str, folder: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    admin = _token(url, "admin", "floorsync-admin")
    created = httpx.post(f"{url}/api/admin/users", json=SCOPED_USER, headers={"Authorization": f"Bearer {admin}"})
    assert created.status_code == 201, created.text
    scoped = _token(url, SCOPED_NAME, SCOPED_PASSWORD)
    skip = [arg for op in SESSION_ENDING for arg in ("--exclude-operation-id", op)]
    keep = [arg for op in SESSION_ENDING for arg in ("--include-operation-id", op)]
    return {
        "admin": _schemathesis(url, admin, folder, *skip, config='[parameters]\nwarehouse = "WH1"\n'),
        "scoped": _schemathesis(url, scoped, folder, *skip, "--include-path-regex", "/api/warehouses/"),
        "session-ending": _schemathesis(url, _token(url, "admin", "floorsync-admin"), folder, *keep),
    }


@pytest.mark.e2e
@pytest.mark.timeout(1500)
async def test_every_operation_answers_without_server_errors_and_as_documented(
    seeded: Settings, tmp_path: Path
) -> None:
    async with fresh_settings(seeded) as settings, serving(settings, tmp_path / "data") as url:
        passes = await asyncio.to_thread(_passes, url, tmp_path)
    for name, done in passes.items():
        assert done.returncode == 0, f"{name} pass:\n{done.stdout[-8000:]}\n{done.stderr[-2000:]}"
