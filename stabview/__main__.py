"""`stabview` and `python -m stabview`: with no command (or `gui`), open the desktop window;
otherwise run the headless command (`stabview demo`, `stabview attack`, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the window or a command. Run as the program (`argv` None: the command line's), a
    finished command ends the process at once: with torch loaded, tearing the interpreter down
    took 0.7–2.4 s (measured on a busy 2-core machine), most of the time Ctrl-C took to quit,
    and nothing is left to do by then (every file is closed, a study's cluster is shut down)."""
    program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] == "gui":
        from .gui.app import main as gui_main
        return gui_main(argv[1:])
    from .cli import main as cli_main
    code = cli_main(argv)
    if program:
        exit_now(code)
    return code


def exit_now(code: int) -> None:
    """Flush stdout and stderr and end the process with `code`, skipping the interpreter's teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # closed or broken pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
