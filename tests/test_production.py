"""The production shape (docs/production.md): several app processes sharing one PostgreSQL.

Migrations run once however many processes start together (an advisory
lock in `loaders.database.migrate`), and two `streamlit run` servers on the
same database both answer and both show the Overview. Started as `make run`
starts it, a server listens on this machine only.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.browser_support import add_test_users, free_port, open_page, streamlit_server, wait_until_healthy
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4

CONNECT_AT = """
import sys, time
from loaders.database import connect
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
connect(sys.argv[1]).dispose()
"""


@pytest.fixture
def fresh_schema():
    """An empty PostgreSQL schema (no tables, no alembic_version); yields its URL."""
    schema = f"prod_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_processes_starting_together_migrate_once(fresh_schema):
    start_at = time.time() + 4  # after every process has imported its modules
    env = {**os.environ}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONNECT_AT, fresh_schema, str(start_at)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES, "\n".join(outputs)
    engine = create_engine(fresh_schema)
    try:
        assert {"episodes", "children", "users", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    heads = [p.name.split("_")[0] for p in (ROOT / "loaders" / "migrations" / "versions").glob("0*.py")]
    assert versions == [max(heads)]


@pytest.mark.browser
def test_two_servers_on_one_database_both_serve_the_overview(fresh_schema, tmp_path, page):
    subprocess.run(
        [sys.executable, "-m", "sample_data", "build", "--episodes", "2000", "--database", fresh_schema],
        cwd=ROOT,
        env={**os.environ},
        check=True,
        capture_output=True,
    )
    add_test_users(fresh_schema)
    with (
        streamlit_server(fresh_schema, tmp_path / "one.log") as one,
        streamlit_server(fresh_schema, tmp_path / "two.log") as two,
    ):
        assert one != two
        for base in (one, two):
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
                assert response.status == 200
            open_page(page, base, "overview", role="viewer", wait=False)
            # the period caption is worked out from the episodes in PostgreSQL
            page.get_by_text("compared with").first.wait_for(timeout=120_000)
            assert page.get_by_text("Children missing from home and care").first.is_visible()
            assert not page.locator('[data-testid="stException"]').count()


def listening_addresses(port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The local addresses of every TCP socket listening on `port`, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                words = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                raw = b"".join(words[i : i + 4][::-1] for i in range(0, width, 4))
                found.add(ipaddress.ip_address(raw))
    return found


def test_make_run_listens_on_this_machine_only(tmp_path):
    """`make run` passes no address: .streamlit/config.toml must keep the dashboard off the network."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    with (tmp_path / "streamlit.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
            addresses = listening_addresses(port)
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert addresses and all(address.is_loopback for address in addresses), addresses


def test_the_production_settings_are_real_streamlit_options():
    """A misspelt key in docs/production.md would be ignored by Streamlit, leaving the unsafe default on."""
    from streamlit import config

    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / "docs" / "production.md").read_text(), flags=re.DOTALL)
    settings = tomllib.loads(blocks[0])
    keys = {f"{section}.{key}" for section, values in settings.items() for key in values}
    assert keys - set(config._config_options_template) == set()
    assert settings["server"]["address"] == "127.0.0.1" and settings["server"]["enableXsrfProtection"] is True
    assert settings["client"]["showErrorDetails"] == "none"
