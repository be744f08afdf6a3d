"""`stabview images`: list the built-in sample images by name."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("images", help="list the built-in sample images",
                              description="List the built-in sample images (use the names with --image).")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..data import list_samples
    rows = list_samples()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0
