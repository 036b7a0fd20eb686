#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, then the project into .venv. Safe to re-run:
# each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-droid-fallback and fonts-symbola: CJK and (outline) emoji in pasted prompts; Pango falls back
# to them (a colour emoji font would draw nothing: Manim turns text into vector paths)
DEBIAN_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config fonts-dejavu-core fonts-droid-fallback fonts-symbola)
# what Qt (PySide6) needs to open a window for `render.py present` (found with ldd on its xcb
# platform plugin and multimedia libraries)
DEBIAN_PACKAGES+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
                  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-glx0
                  libxkbcommon-x11-0 libxkbcommon0 libx11-xcb1 libegl1 libgl1 libdbus-1-3
                  libfontconfig1 libpulse0)
# the narrator's voice, offline: festival with the HTS voice "slt" (default); flite and espeak-ng
# are the other --narration choices
DEBIAN_PACKAGES+=(festival festvox-us-slt-hts flite espeak-ng)
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(npm)          # reveal.js for the offline deck
# `setup.sh --test`: also the browser the deck test drives, a virtual screen and a key presser for
# the presenting test, and pdftotext for the handout test
[ "${1:-}" = "--test" ] && DEBIAN_PACKAGES+=(chromium xvfb xdotool poppler-utils)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: building the Python environment in .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # the CPU wheel first, by exact version: anything looser pulls a multi-GB CUDA build
  .venv/bin/pip install -q torch==2.13.0
  .venv/bin/pip install -q -e ".[dev]"
  touch "$stamp"
fi

# reveal.js for the offline HTML deck, from the npm registry (never a CDN at show time); the
# version is the one manim-slides' deck template is written for (scenes/output/deck.py)
REVEAL_VERSION=6.0.1
if [ ! -f .deps/node_modules/reveal.js/dist/reveal.js ]; then
  echo "setup: installing reveal.js $REVEAL_VERSION into .deps/"
  npm install --prefix .deps --no-audit --no-fund --silent "reveal.js@$REVEAL_VERSION"
fi
