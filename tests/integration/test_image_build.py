"""The image build: the Dockerfile's steps are build.sh's, and build.sh's check catches a broken result.

CI runs ``build.sh all`` itself (.ci/run); these guard that the Dockerfile cannot drift from it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "server" / "deploy"


def _runs(dockerfile: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [line.strip()[4:] for line in joined.splitlines() if line.strip().startswith("RUN ")]


def test_every_build_step_of_the_dockerfile_is_build_sh() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"build\.sh (\w+)", dockerfile)
    assert stages == ["pwa", "python", "check"]
    for run in _runs(dockerfile):
        assert "build.sh" in run or run.startswith("useradd "), f"a step outside build.sh: {run}"
    assert "FLOORSYNC_PWA_DIR=/opt/floorsync/pwa" in dockerfile, "the image serves the app it built"


def test_build_check_fails_on_a_build_without_the_app_or_the_server(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(DEPLOY / "build.sh"), "check", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "build.sh: the wheel did not install the floorsync command" in result.stderr
