"""`greyzone-report DIR`: regenerate the report of an existing run or sweep, without rerunning."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from model.results.report import print_summary, write_report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="greyzone-report", description=__doc__)
    parser.add_argument("directory", type=Path, help="a run directory or a multirun (sweep) directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[greyzone-report] %(message)s", stream=sys.stderr)
    if not args.directory.is_dir():
        print(f"greyzone-report: error: {args.directory}: not a directory", file=sys.stderr)
        raise SystemExit(2)
    try:
        report = write_report(args.directory)
    except FileNotFoundError as exc:
        print(f"greyzone-report: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print_summary(report)
    if report.aggregate.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
