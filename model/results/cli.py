"""`greyzone-report DIR`: regenerate the report of an existing run or sweep, without rerunning."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from model.config.errors import RUN_FAILED, USAGE_ERROR
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLock, DirectoryLockedError
from model.results.report import print_summary, write_report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="greyzone-report", description=__doc__)
    parser.add_argument("directory", type=Path, help="a run directory or a multirun (sweep) directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[greyzone-report] %(message)s", stream=sys.stderr)
    if not args.directory.is_dir():
        print(f"greyzone-report: error: {args.directory}: not a directory", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)
    try:
        with DirectoryLock(args.directory, "directory"):  # no report written beside a live writer
            report = write_report(args.directory)
    except (FileNotFoundError, DirectoryLockedError) as exc:
        print(f"greyzone-report: error: {exc}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR) from None
    except DamagedFileError as exc:
        print(f"greyzone-report: error: {exc}", file=sys.stderr)
        raise SystemExit(RUN_FAILED) from None
    except OSError as exc:
        print(
            f"greyzone-report: error: {exc.filename or args.directory}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        raise SystemExit(RUN_FAILED) from None
    print_summary(report)
    if report.aggregate.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
