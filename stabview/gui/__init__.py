"""The desktop application (Qt): main window, panels, viewers, plots and worker threads.

Only this package imports Qt. It edits and observes an `ExperimentModel` (stabview/experiment),
builds what it says in a `Workbench` (network, image, details, operator) and runs every long
computation of the engine in worker threads (`workers.py`). Importing the package itself loads
no Qt: its plain-data modules (scales, files, image_process) can
be used, and run in a child process, without it.
"""
