"""`stabview images`: list the built-in images by name."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("images", help="list the built-in images",
                              description="List the built-in images (use the names with --image).")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..data import list_builtin_images
    rows = list_builtin_images()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0
