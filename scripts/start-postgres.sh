#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with user postgres / password postgres
# and databases `test` (the test suite) and `bench` (benchmarks) exist.
# Starts Debian's cluster when there is one, otherwise a private cluster under data/pg.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=127.0.0.1
PORT=${PG_PORT:-5432}
PASSWORD=postgres
DATABASES=(test bench)
PG_DIR=${PG_DIR:-$PWD/data/pg}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"
    elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
    else sudo -u postgres "$@"
    fi
}

ready() { pg_isready -q -h "$HOST" -p "$PORT"; }

wait_ready() {
    for _ in $(seq 1 60); do ready && return 0; sleep 0.5; done
    echo "start-postgres: PostgreSQL did not answer on $HOST:$PORT" >&2
    return 1
}

latest_major() {
    ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1
}

start_debian_cluster() {
    # The first Debian cluster configured for our port, e.g. "15 main".
    command -v pg_lsclusters >/dev/null || return 1
    local version name
    read -r version name < <(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PORT" '$3 == port {print $1, $2; exit}') || return 1
    [ -n "${version:-}" ] || return 1
    echo "start-postgres: starting Debian cluster $version/$name"
    pg_ctlcluster "$version" "$name" start || return 1
}

start_private_cluster() {
    local major bin
    major=$(latest_major)
    [ -n "$major" ] || { echo "start-postgres: PostgreSQL is not installed; run 'make setup'" >&2; exit 1; }
    bin=/usr/lib/postgresql/$major/bin
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; chmod 700 "$PG_DIR"; fi
    if ! as_postgres test -w "$PG_DIR"; then
        echo "start-postgres: user postgres cannot write $PG_DIR; set PG_DIR to a directory it can reach" >&2
        exit 1
    fi
    if [ ! -f "$PG_DIR/PG_VERSION" ]; then
        echo "start-postgres: creating a PostgreSQL $major cluster in $PG_DIR"
        local pwfile
        pwfile=$(mktemp)
        echo "$PASSWORD" > "$pwfile"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pwfile"; fi
        as_postgres "$bin/initdb" -D "$PG_DIR" -U postgres -E UTF8 \
            --auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile" >/dev/null
        rm -f "$pwfile"
    fi
    echo "start-postgres: starting the cluster in $PG_DIR"
    as_postgres "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=$HOST -p $PORT -k /tmp" start >/dev/null
}

# psql as the superuser: by password over TCP when that works, else by peer over the local socket.
run_sql() {
    if PGPASSWORD=$PASSWORD psql -qAt -h "$HOST" -p "$PORT" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
        PGPASSWORD=$PASSWORD psql -v ON_ERROR_STOP=1 -qAt -h "$HOST" -p "$PORT" -U postgres -d postgres -c "$1"
        return
    fi
    local socket
    for socket in /var/run/postgresql /tmp; do
        if as_postgres psql -qAt -h "$socket" -p "$PORT" -d postgres -c 'select 1' >/dev/null 2>&1; then
            as_postgres psql -v ON_ERROR_STOP=1 -qAt -h "$socket" -p "$PORT" -d postgres -c "$1"
            return
        fi
    done
    echo "start-postgres: cannot sign in to PostgreSQL on $HOST:$PORT as postgres" >&2
    return 1
}

if ! ready; then
    start_debian_cluster || start_private_cluster
    wait_ready
fi

if ! PGPASSWORD=$PASSWORD psql -qAt -h "$HOST" -p "$PORT" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
    echo "start-postgres: setting the postgres user's password"
    run_sql "ALTER USER postgres PASSWORD '$PASSWORD'" >/dev/null
fi
for database in "${DATABASES[@]}"; do
    if [ "$(run_sql "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
        run_sql "CREATE DATABASE \"$database\"" >/dev/null
        echo "start-postgres: created database $database"
    fi
done
PGPASSWORD=$PASSWORD psql -qAt -h "$HOST" -p "$PORT" -U postgres -d test -c 'select 1' >/dev/null \
    || { echo "start-postgres: password sign-in over TCP does not work (check pg_hba.conf)" >&2; exit 1; }
echo "start-postgres: PostgreSQL ready on $HOST:$PORT (databases: ${DATABASES[*]})"
