"""The desktop application (Qt): main window, panels, viewers, plots and worker threads.

Only this package imports Qt. It edits a `Workbench` (network, image, details, operator) and
runs every long computation of the engine in worker threads (`workers.py`).
"""

import pyqtgraph as _pg

# Images are (H, W) arrays indexed [row, col] everywhere in stabview.
_pg.setConfigOptions(imageAxisOrder="row-major")
