"""One module per `stabview` subcommand: `add_parser(subparsers)` and `run(args) -> int`."""
