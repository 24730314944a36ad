"""`python -m loaders import FILE ...`: load files from a script or a scheduled job.

Messages go to stdout one a line (`FILE:ROW:COLUMN: error|warning: text`),
then a summary line per file; the progress bar goes to stderr so output can
be piped. Exit 0 when every file landed (or passed a dry run), 1 when any was
refused, 2 on bad usage. Each command is a subparser so more (e.g. `users`)
can be added beside `import`.

`python -m loaders users ...` manages who may sign in to the app (loaders/users.py);
`python -m loaders benchmarks FILE` loads a newer DfE file of national figures (loaders/benchmarks.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm import tqdm

import config
from loaders.audit import operating_system_user
from loaders.importer import FORMATS, import_files

log = logging.getLogger("loaders")

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
    importing.add_argument("files", nargs="+", metavar="FILE", help="CSV or XLSX file(s); ssda903: its tables or XML")
    importing.add_argument("--format", choices=FORMATS, default="canonical", help="input format (default: canonical)")
    importing.add_argument("--mapping", metavar="FILE", help="header mapping file (police; canonical: a tracker)")
    importing.add_argument("--dry-run", action="store_true", help="check and count, change nothing")
    importing.set_defaults(run=run_import, command_parser=importing)
    add_users_parser(commands)
    benchmarks = commands.add_parser(
        "benchmarks",
        help="load a newer DfE file of children looked after who were missing or away from placement",
        description="Check a DfE file (its current layout) and store its figures; refused whole on any error.",
    )
    benchmarks.add_argument("file", metavar="FILE", help="the DfE's CSV (time_period, geographic_level, ..., number)")
    benchmarks.set_defaults(run=run_benchmarks, command_parser=benchmarks)
    return parser


def run_benchmarks(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """`benchmarks FILE`: the DfE's figures for more years; messages as `FILE:ROW:COLUMN: error: text`."""
    if not Path(args.file).is_file():
        parser.error(f"no such file: {args.file}")
    from loaders.benchmarks import load_benchmarks
    from loaders.database import connect

    engine = connect()
    try:
        result = load_benchmarks(engine, Path(args.file), args.file)
    finally:
        engine.dispose()
    for message in result.errors:
        print(message)
    if result.errors:
        print(f"refused: {args.file}, {len(result.errors)} errors, nothing loaded")
        return EXIT_REFUSED
    years = sorted({f["year"] for f in result.figures})
    print(f"loaded: {len(result.figures)} figures for years ending March {', '.join(map(str, years))}")
    return EXIT_OK


def add_users_parser(commands) -> None:
    """`users add|list|disable|enable|reset|role|ensure-demo`: who may sign in, and as what."""
    from loaders.users import ROLES

    users = commands.add_parser(
        "users",
        help="manage who may sign in to the app",
        description="Add, list, disable, enable users and reset passwords. A password is printed once.",
    )
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user (prints a generated password unless --password-stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--oidc", action="store_true", help="signs in only through the identity provider (no password)")
    actions.add_parser("list", help="list users, their roles and last sign-in")
    for action, text in (("disable", "stop a user signing in"), ("enable", "let a disabled user sign in again")):
        actions.add_parser(action, help=text).add_argument("name")
    reset = actions.add_parser("reset", help="give a user a new password (printed unless --password-stdin)")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    actions.add_parser("ensure-demo", help="when there are no users, add `admin` with a random password, shown once")
    users.set_defaults(run=run_users, command_parser=users)


def _password_from_stdin(parser: argparse.ArgumentParser) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        parser.error("a password has at least 12 characters")
    return password


def run_users(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from loaders import users
    from loaders.database import connect

    engine = connect()
    try:
        USER_ACTIONS[args.action](engine, args, parser)
    except users.UserError as error:
        parser.exit(EXIT_REFUSED, f"{parser.prog}: {error}\n")
    finally:
        engine.dispose()
    return EXIT_OK


def _add_user(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    if args.oidc:
        users.add_oidc_user(engine, args.name, args.role)
        print(f"added {args.name.strip()} ({args.role}), signs in through the identity provider")
        return
    given = _password_from_stdin(parser) if args.password_stdin else None
    password = users.add_user(engine, args.name, args.role, given)
    print(f"added {args.name.strip()} ({args.role})")
    if given is None:
        print(f"password: {password}  (shown once: pass it on safely)")


def _list_users(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    print(f"{'name':<30} {'role':<8} {'status':<9} {'last sign-in':<19} password set")
    for account in users.list_users(engine):
        status = "disabled" if account.disabled else "enabled"
        last = f"{account.last_sign_in_at:%Y-%m-%d %H:%M}" if account.last_sign_in_at else "never"
        set_at = f"{account.password_set_at:%Y-%m-%d %H:%M}" if account.has_password else "none (OIDC)"
        print(f"{account.name:<30} {account.role:<8} {status:<9} {last:<19} {set_at}")


def _disable_or_enable_user(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    users.set_disabled(engine, args.name, args.action == "disable")
    print(f"{args.action}d {args.name}")


def _reset_password(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    given = _password_from_stdin(parser) if args.password_stdin else None
    password = users.reset_password(engine, args.name, given)
    print(f"new password set for {args.name}")
    if given is None:
        print(f"password: {password}  (shown once: pass it on safely)")


def _set_role(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    users.set_role(engine, args.name, args.role)
    print(f"{args.name} is now {args.role}")


def _ensure_demo(engine, args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from loaders import users

    password = users.ensure_demo_admin(engine)
    if password:
        print(
            f"Demo admin: name {users.DEMO_ADMIN}, password {password} "
            f"(shown once; change it with: python -m loaders users reset {users.DEMO_ADMIN})"
        )


USER_ACTIONS = {
    "add": _add_user,
    "list": _list_users,
    "disable": _disable_or_enable_user,
    "enable": _disable_or_enable_user,
    "reset": _reset_password,
    "role": _set_role,
    "ensure-demo": _ensure_demo,
}


def _log_to_file() -> None:
    """Log (with tracebacks) to config.log_file(), not the terminal: a user sees plain messages only."""
    path = config.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def run_import(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.mapping and args.format == "ssda903":
        parser.error("--mapping applies to --format police and canonical (e.g. a tracker's partial update)")
    if args.format == "police" and not args.mapping:
        parser.error("--format police needs --mapping FILE (a header mapping, see examples/police_mapping.toml)")
    missing = [f for f in [*args.files, *([args.mapping] if args.mapping else [])] if not Path(f).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")

    from loaders.database import connect

    try:
        engine = connect()
    except Exception:
        log.exception("cannot reach the database")
        print(f"cannot reach the database: nothing was imported (details in {config.log_file()})", flush=True)
        return EXIT_REFUSED
    user = operating_system_user()
    exit_code = EXIT_OK
    # SSDA903 tables belong together (missing, header, episodes); other formats go file by file.
    batches = [args.files] if args.format == "ssda903" else [[f] for f in args.files]
    for files in batches:
        label = ", ".join(Path(f).name for f in files)
        with tqdm(total=100, desc=label, file=sys.stderr, unit="%", disable=None, leave=False) as bar:

            def advance(fraction: float, stage: str) -> None:
                bar.set_postfix_str(stage)
                bar.update(round(fraction * 100) - bar.n)

            result = import_files(
                engine,
                files,
                args.format,
                display_names=files,
                mapping=args.mapping,
                mapping_name=args.mapping,
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
    _log_to_file()
    return args.run(args, args.command_parser)


if __name__ == "__main__":
    sys.exit(main())
