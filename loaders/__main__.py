"""`python -m loaders import FILE ...`: load files from a script or a scheduled job.

Messages go to stdout one a line (`FILE:ROW:COLUMN: error|warning: text`),
then a summary line per file; the progress bar goes to stderr so output can
be piped. Exit 0 when every file landed (or passed a dry run), 1 when any was
refused, 2 on bad usage. Each command is a subparser so more (e.g. `users`)
can be added beside `import`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from tqdm import tqdm

from loaders.importer import FORMATS, SUPPORTED_FORMATS, import_file

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders", description="Load data files into the missing-children database."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    importing = commands.add_parser(
        "import",
        help="check and import episode files",
        description="Check files against every rule and import those without errors.",
    )
    importing.add_argument("files", nargs="+", metavar="FILE", help="CSV or XLSX file(s)")
    importing.add_argument("--format", choices=FORMATS, default="canonical", help="input format (default: canonical)")
    importing.add_argument("--mapping", metavar="FILE", help="header mapping file (police format)")
    importing.add_argument("--dry-run", action="store_true", help="check and count, change nothing")
    importing.set_defaults(run=run_import, command_parser=importing)
    return parser


def run_import(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.format not in SUPPORTED_FORMATS:
        parser.exit(EXIT_USAGE, f"{parser.prog}: format {args.format} is not yet supported\n")
    if args.mapping and args.format != "police":
        parser.error("--mapping applies only to --format police")
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")

    from loaders.database import connect

    engine = connect()
    user = os.environ.get("USER") or getpass.getuser() or "cli"
    exit_code = EXIT_OK
    for file_name in args.files:
        with tqdm(total=100, desc=Path(file_name).name, file=sys.stderr, unit="%", disable=None, leave=False) as bar:

            def advance(fraction: float, stage: str) -> None:
                bar.set_postfix_str(stage)
                bar.update(round(fraction * 100) - bar.n)

            result = import_file(
                engine,
                file_name,
                args.format,
                display_name=file_name,
                dry_run=args.dry_run,
                user=user,
                progress=advance,
            )
        for message in result.messages:
            print(message)
        print(result.summary(), flush=True)
        if result.errors:
            exit_code = EXIT_REFUSED
    engine.dispose()
    return exit_code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.run(args, args.command_parser)


if __name__ == "__main__":
    sys.exit(main())
