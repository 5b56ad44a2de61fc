#!/usr/bin/env sh
# The image's build steps, one place: the Dockerfile RUNs these stages, and CI runs them all into a
# temporary folder, so a broken image build fails CI even where no Docker engine runs.
#
#   build.sh pwa    OUT   the app: npm ci + vite build, copied to OUT/pwa
#   build.sh python OUT   the server: a wheel in OUT/wheels, installed into the venv OUT/venv
#   build.sh check  OUT   the result works: wheel installed, migrations inside, app built, `floorsync --help`
#   build.sh all    OUT   the three above (what CI runs)
#
# Run from the repository root. A venv does not move, so OUT is the path it will run from
# (the Dockerfile uses /opt/floorsync).
set -eu

stage=${1:?usage: build.sh pwa|python|check|all OUT}
out=${2:?usage: build.sh pwa|python|check|all OUT}
python=${PYTHON:-python3}

fail() {
  echo "build.sh: $*" >&2
  exit 1
}

build_pwa() {
  (cd pwa && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  rm -rf "$out/pwa"
  mkdir -p "$out"
  cp -R pwa/dist "$out/pwa"
}

build_python() {
  rm -rf "$out/wheels" "$out/venv"
  mkdir -p "$out/wheels"
  "$python" -m pip wheel --quiet --no-deps --wheel-dir "$out/wheels" .
  "$python" -m venv "$out/venv"
  "$out/venv/bin/pip" install --quiet --no-cache-dir --upgrade pip
  "$out/venv/bin/pip" install --quiet --no-cache-dir "$out"/wheels/floorsync-*.whl
}

check() {
  [ -x "$out/venv/bin/floorsync" ] || fail "the wheel did not install the floorsync command"
  "$out/venv/bin/floorsync" --help >/dev/null || fail "floorsync --help failed"
  for command in serve demo migrate createuser; do
    "$out/venv/bin/floorsync" "$command" --help >/dev/null || fail "floorsync $command --help failed"
  done
  # from outside the source tree, so the installed package is what gets imported
  (cd / && "$out/venv/bin/python" - <<'PY') || fail "the installed package is incomplete"
from pathlib import Path

import server
from alembic.script import ScriptDirectory
from server.app import create_app  # noqa: F401  (the whole app imports)
from server.migrate import alembic_config

installed = Path(server.__file__).resolve().parent
assert "site-packages" in str(installed), f"imported {installed}, not the installed wheel"
head = ScriptDirectory.from_config(alembic_config()).get_current_head()
assert head, "no migrations in the wheel"
PY
  for file in index.html sw.js manifest.webmanifest; do
    [ -s "$out/pwa/$file" ] || fail "the built app has no $file"
  done
  ls "$out"/pwa/assets/*.js >/dev/null 2>&1 || fail "the built app has no scripts"
  echo "build.sh: image contents in $out check out"
}

case "$stage" in
  pwa) build_pwa ;;
  python) build_python ;;
  check) check ;;
  all) build_pwa && build_python && check ;;
  *) fail "unknown stage $stage (pwa, python, check or all)" ;;
esac
