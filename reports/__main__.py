"""`python -m reports table NAME --from DATE --to DATE [--filter KEY=VALUE ...] [--publication]`,
`python -m reports table process_control --measure NAME --from DATE --to DATE [--filter ...]`,
`python -m reports table benchmarks [--year YYYY]` (the DfE's national figures),
`python -m reports findings --from DATE --to DATE [--filter ...] [--publication]`,
`python -m reports briefing CHILD_ID --out FILE.docx|FILE.pdf [--as-of DATE]`
and `python -m reports pack --from DATE --to DATE --out FILE.docx|FILE.pdf [--filter KEY=VALUE ...]`.

One metric table as CSV on stdout, or the committee pack as a Word or PDF
file (domain.md section 8). Exit 0 on success, 1 when the input is refused
(a filter value the data cannot take, a child-level table asked for
publication, no PDF converter), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

import config
from config.sections import Settings, SettingsError
from loaders.database import connect
from loaders.episodes import load_episodes
from metrics.attention import AttentionSettings
from metrics.filters import FILTER_KEYS, select_episodes, with_derived
from metrics.process_control import MEASURES, process_control_table
from metrics.tables import HISTORY_TABLES, TABLES, metric_table
from reports import audit
from reports.reconciliation import open_items_by_kind_and_month
from reports.tables import CHILD_LEVEL_TABLES, process_control_csv, publishable, to_csv

PROCESS_CONTROL = "process_control"

BENCHMARKS = "benchmarks"  # the DfE's national figures: not a metric of the episodes


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    if key not in FILTER_KEYS:
        raise argparse.ArgumentTypeError(f"unknown filter key {key!r} (keys: {', '.join(FILTER_KEYS)})")
    return key, value


def pack_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".docx", ".pdf"):
        raise argparse.ArgumentTypeError(f"the pack is written as FILE.docx or FILE.pdf, not {text!r}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reports", description="Metric tables as CSV.")
    commands = parser.add_subparsers(dest="command", required=True)
    table = commands.add_parser("table", help="one metric table as CSV on stdout")
    names = [*TABLES, *HISTORY_TABLES, PROCESS_CONTROL, BENCHMARKS, "reconciliation"]
    table.add_argument("name", choices=names, metavar="NAME", help=f"one of: {', '.join(names)}")
    table.add_argument(
        "--measure",
        choices=list(MEASURES),
        metavar="MEASURE",
        help=f"process_control only, the monthly series: one of {', '.join(MEASURES)}",
    )
    table.add_argument("--from", dest="start", type=iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    table.add_argument("--to", dest="end", type=iso_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    table.add_argument("--year", type=int, metavar="YYYY", help="benchmarks only: one year ending 31 March")
    table.add_argument(
        "--filter",
        dest="filters",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep episodes with this value; repeat a key for several values",
    )
    table.add_argument("--publication", action="store_true", help="suppress small numbers for publication")
    written = commands.add_parser("findings", help="the period's written findings, one a line")
    written.add_argument(
        "--from", dest="start", type=iso_date, required=True, metavar="DATE", help="first day (YYYY-MM-DD)"
    )
    written.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    written.add_argument(
        "--filter",
        dest="filters",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep episodes with this value; repeat a key for several values",
    )
    written.add_argument("--publication", action="store_true", help="counts from 1 to 4 read 'fewer than 5'")
    pack = commands.add_parser("pack", help="the committee pack as a Word or PDF file (publication-safe)")
    pack.add_argument(
        "--from", dest="start", type=iso_date, required=True, metavar="DATE", help="first day (YYYY-MM-DD)"
    )
    pack.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    pack.add_argument("--out", type=pack_path, required=True, metavar="FILE", help="FILE.docx or FILE.pdf")
    pack.add_argument(
        "--filter",
        dest="filters",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep episodes with this value; repeat a key for several values",
    )
    briefing = commands.add_parser(
        "briefing", help="one child's one-page briefing as Word or PDF (child-level, audited)"
    )
    briefing.add_argument("child_id", metavar="CHILD_ID", help="the child's pseudonymous id")
    briefing.add_argument("--out", type=pack_path, required=True, metavar="FILE", help="FILE.docx or FILE.pdf")
    briefing.add_argument(
        "--as-of",
        dest="as_of",
        type=iso_date,
        metavar="DATE",
        help="the 12 months end on this day (default: the day of the latest episode)",
    )
    return parser


def run_briefing(args: argparse.Namespace) -> int:
    """Write the child's briefing and record the export in the audit log."""
    from reports.briefing import build_briefing  # python-docx and the charts load only when needed
    from reports.pack import PackError

    engine = connect()
    try:
        episodes = council_episodes(engine, config.settings())
        as_of = args.as_of or (episodes["reported_at"].max().date() if len(episodes) else date.today())
        user = audit.current_user()
        try:
            path = build_briefing(episodes, args.child_id, as_of, args.out, produced_by=user)
        except KeyError:
            print(f"error: no episodes for child {args.child_id!r} up to {as_of}", file=sys.stderr)
            return 1
        except (PackError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        audit.record(engine, user, "export", f"briefing {args.child_id} {path.name}", {"as_of": as_of.isoformat()})
    finally:
        engine.dispose()
    print(f"wrote {path}")
    return 0


def run_benchmarks_table(args: argparse.Namespace) -> int:
    """The DfE figures as shipped (and any newer DfE file loaded), value as published."""
    from loaders.benchmarks import dfe_figures

    engine = connect()
    try:
        figures = dfe_figures(engine, args.year)
    finally:
        engine.dispose()
    if figures.empty:
        print(f"error: no DfE figures for the year ending March {args.year}", file=sys.stderr)
        return 1
    sys.stdout.write(to_csv(figures[["year", "area_code", "area_name", "level", "measure", "value"]]))
    return 0


def run_table(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.name == BENCHMARKS:
        if args.start or args.end or args.filters or args.publication:
            parser.error("benchmarks takes only --year (DfE figures are already published)")
        return run_benchmarks_table(args)
    check_table_usage(args, parser)
    if args.publication and args.name in CHILD_LEVEL_TABLES:
        print(f"error: {args.name} lists children or episodes and cannot be exported for publication", file=sys.stderr)
        return 1
    filters = filters_of(args)

    if args.name == "reconciliation" and filters:
        print("error: reconciliation compares every police and SSDA903 record: it takes no --filter", file=sys.stderr)
        return 1

    settings = config.settings()
    engine = connect()
    try:
        try:
            table = period_table(engine, args, filters, settings)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if args.publication:
            table = publishable(args.name, table, settings.publication.suppress_below)
        if args.name in CHILD_LEVEL_TABLES:
            period = {"from": args.start.isoformat(), "to": args.end.isoformat()}
            audit.record(engine, audit.current_user(), "export", f"table {args.name}", {**period, "filters": filters})
    finally:
        engine.dispose()
    sys.stdout.write(process_control_csv(table) if args.name == PROCESS_CONTROL else to_csv(table))
    return 0


def check_table_usage(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Usage errors (exit 2) of a table over a period: dates given and in order, --measure with
    process_control only, no --year."""
    if args.year is not None:
        parser.error("--year applies only to the benchmarks table")
    if args.start is None or args.end is None:
        parser.error("the following arguments are required: --from, --to")
    if args.start > args.end:
        parser.error(f"--from {args.start} is after --to {args.end}")
    if (args.name == PROCESS_CONTROL) != (args.measure is not None):
        parser.error("--measure is needed with process_control, and only with it")


def period_table(
    engine: Engine, args: argparse.Namespace, filters: dict[str, list[str]], settings: Settings
) -> pd.DataFrame:
    """The table asked for, over --from..--to; ValueError for a filter value the data cannot take."""
    if args.name == "reconciliation":
        return open_items_by_kind_and_month(engine, args.start, args.end)
    episodes = council_episodes(engine, settings)
    if args.name == PROCESS_CONTROL:
        chosen = select_episodes(episodes, args.start, args.end, filters)
        return process_control_table(chosen, args.measure, args.start, args.end, settings.process_control)
    attention = AttentionSettings.from_settings(settings)
    return metric_table(args.name, episodes, args.start, args.end, filters, settings=attention)


def filters_of(args: argparse.Namespace) -> dict[str, list[str]]:
    """The repeated --filter KEY=VALUE options as {key: [values]}."""
    filters: dict[str, list[str]] = {}
    for key, value in args.filters:
        filters.setdefault(key, []).append(value)
    return filters


def council_episodes(engine: Engine, settings: Settings) -> pd.DataFrame:
    """Every episode, its derived columns worked out once with the council's area."""
    return with_derived(load_episodes(engine), settings.authority.lad_codes)


def run_findings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Section 9's written findings for the period, one sentence a line."""
    from metrics.findings import period_findings

    if args.start > args.end:
        parser.error(f"--from {args.start} is after --to {args.end}")
    filters = filters_of(args)
    settings = config.settings()
    engine = connect()
    try:
        episodes = council_episodes(engine, settings)
    finally:
        engine.dispose()
    try:
        found = period_findings(
            episodes,
            args.start,
            args.end,
            filters,
            settings.process_control,
            settings.publication.suppress_below if args.publication else None,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for finding in found:
        print(finding.sentence)
    return 0


def run_pack(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Write the committee pack and record the export in the audit log."""
    from reports.pack import PackError, build_pack  # python-docx and the charts load only when needed

    if args.start > args.end:
        parser.error(f"--from {args.start} is after --to {args.end}")
    filters = filters_of(args)
    engine = connect()
    try:
        try:
            path = build_pack(engine, args.start, args.end, args.out, filters)
        except (PackError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        period = {"from": args.start.isoformat(), "to": args.end.isoformat()}
        audit.record(
            engine, audit.current_user(), "export", f"committee pack {path.name}", {**period, "filters": filters}
        )
    finally:
        engine.dispose()
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args, parser)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "table":
        return run_table(args, parser)
    if args.command == "pack":
        return run_pack(args, parser)
    if args.command == "briefing":
        return run_briefing(args)
    if args.command == "findings":
        return run_findings(args, parser)
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
