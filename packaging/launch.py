"""Entry script of the stand-alone bundle: the same `main` as the `stabview` command."""

import sys

from stabview.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
