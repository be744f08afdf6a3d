"""`stabview` and `python -m stabview`: with no command (or `gui`), open the desktop window;
otherwise run the headless command (`stabview demo`, `stabview attack`, ...)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] == "gui":
        from .gui.app import main as gui_main
        return gui_main(argv[1:])
    from .cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
