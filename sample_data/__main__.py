"""`python -m sample_data build|csv`: the shipped synthetic database, or the same data as a CSV.

python -m sample_data build [--episodes N] [--seed S] [--database URL]
python -m sample_data csv OUT.csv [--episodes N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time

from tqdm import tqdm

from sample_data.generate import DEFAULT_SEED


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (tests/test_readme.py checks the README documents every option)."""
    parser = argparse.ArgumentParser(prog="python -m sample_data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="replace the database's episodes with a synthetic sample")
    building.add_argument("--database", help="database URL (default: DATABASE_URL, else data/missing.db)")
    writing = commands.add_parser("csv", help="write a synthetic sample as a canonical import file")
    writing.add_argument("out", help="CSV file to write")
    for sub in (building, writing):
        sub.add_argument("--episodes", type=int, default=None, help="exact number of episodes (default about 17,000)")
        sub.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.episodes is not None and args.episodes < 0:
        parser.error("--episodes must be 0 or more")

    started = time.perf_counter()
    if args.command == "csv":
        from sample_data.export import write_csv
        from sample_data.generate import generate_episodes

        rows = write_csv(generate_episodes(args.episodes, args.seed), args.out)
        print(f"wrote {rows} episodes to {args.out} in {time.perf_counter() - started:.1f} s")
        return 0

    from loaders.database import connect
    from sample_data.build import build

    engine = connect(args.database)
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {elapsed}", file=sys.stderr) as bar:

        def progress(fraction: float, message: str) -> None:
            bar.set_description(message)
            bar.update(round(fraction * 100) - bar.n)

        import_id = build(engine, args.episodes, args.seed, progress)
    took = time.perf_counter() - started
    print(f"built sample data (import {import_id}) in {engine.url.render_as_string()} in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
