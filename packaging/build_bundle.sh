#!/usr/bin/env bash
# Build the stand-alone bundle (one folder) with PyInstaller and smoke-test it.
#   pip install -c constraints.txt -e ".[bundle]"     # once: adds PyInstaller
#   bash packaging/build_bundle.sh                     # → build/dist/stabview/
# The smoke test runs the bundled CLI (`stabview images`) and opens the window offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
"$PYTHON" packaging/make_icon.py >/dev/null
"$PYTHON" -m PyInstaller --noconfirm --clean --distpath build/dist --workpath build/pyinstaller \
    packaging/stabview.spec
bundle=build/dist/stabview
env -u PYTHONPATH "$bundle/stabview" images | head -3
env -u PYTHONPATH QT_QPA_PLATFORM=offscreen STABVIEW_SMOKE_EXIT_MS=3000 "$bundle/stabview" gui
echo "bundle: $(du -sh "$bundle" | cut -f1) in $bundle"
