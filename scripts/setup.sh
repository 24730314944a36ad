#!/usr/bin/env bash
# Make a machine ready to run and test the dashboard: Debian packages, then .venv.
# Safe to run again: packages already installed and an unchanged requirements.txt are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# What each package is for (a fresh Debian 12 has none of them):
#   postgresql                the second database every database test runs on
#   chromium                  the browser tests and `make screenshots` (driven by Playwright, never downloaded)
#   libreoffice-writer-nogui  turns the committee pack into PDF
#   poppler-utils             pdfinfo, pdftotext, pdffonts, pdftoppm: the pack tests read the PDF back
#   fonts-liberation2         Liberation Sans, metric-compatible with the Arial the pack and the charts name; without
#                             it LibreOffice and Chromium fall back to the wider DejaVu Sans and every line wraps elsewhere
#   ca-certificates           HTTPS to the npm registry for Leaflet and axe-core (pip brings its own, Python does not)
#   python3-venv              `python3 -m venv` when the system Python 3.11 makes .venv
#   nginx-light               `make bench` puts it in front of two app processes, the production shape (never as a service)
DEB_PACKAGES=(postgresql chromium libreoffice-writer-nogui poppler-utils fonts-liberation2 ca-certificates python3-venv
    nginx-light)
VENV=.venv
STAMP="$VENV/.requirements.sha256"

missing=()
for package in "${DEB_PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    export DEBIAN_FRONTEND=noninteractive
    "${apt_get[@]}" update -q
    "${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}"
fi

# Python 3.11: $PYTHON if given, else pyenv's 3.11, else whatever python3.11 / python3 is on PATH.
if [ -z "${PYTHON:-}" ]; then
    for candidate in "$HOME"/.pyenv/versions/3.11*/bin/python3.11 /root/.pyenv/versions/3.11*/bin/python3.11 \
                     "$(command -v python3.11 || true)" "$(command -v python3 || true)"; do
        if [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] >= (3, 11)' 2>/dev/null; then
            PYTHON=$candidate
            break
        fi
    done
fi
: "${PYTHON:?setup: no Python 3.11 found; set PYTHON=/path/to/python3.11}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi

wanted=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$wanted" ]; then
    echo "setup: installing requirements.txt, then this project (editable), into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
    # Editable: `python -m loaders`, the tests and the scripts import the code from here, with no PYTHONPATH.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
    echo "$wanted" > "$STAMP"
fi
# Leaflet (the offline hotspot map) and axe-core (the accessibility tests) from the npm registry, checked, never committed.
"$VENV/bin/python" scripts/install_vendor.py
echo "setup: ready"
