"""`python -m reference`: rewrite the generated parts of docs/.

`--check`: change nothing, and exit 1 if any part is stale.
"""

import argparse
import sys

from reference.blocks import REGENERATE, rewrite, stale
from reference.pages import blocks


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    if parser.parse_args().check:
        pages = stale(blocks())
        for page in pages:
            print(f"stale: {page} (regenerate with: {REGENERATE})", file=sys.stderr)
        return 1 if pages else 0
    for page in rewrite(blocks()):
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
