"""`stabview` and `python -m stabview`: with no command, start the main job; else run the command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .cli import main as cli_main
    if not argv:
        argv = ["demo"]
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
