#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   cluster.sh start DIR   initdb + start in DIR (anything there before is removed),
#                          listening on 127.0.0.1 on a free port; creates role and
#                          database "kefu" (trust auth) and writes the URL to DIR/url.
#   cluster.sh stop DIR    stops it and removes DIR.
#
# initdb and postgres refuse to run as root, so when we are root they run as
# the "postgres" user the Debian package creates (ARCHITECTURE.md, traps).
set -euo pipefail

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$dir" in
/*) ;;
*) dir="$PWD/$dir" ;;
esac
[ "$dir" != "/" ] || die "refusing to use / as the cluster directory"

# The newest installed server, preferring 15 (what the project targets).
find_bin() {
    local b
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
        return
    fi
    b=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ ! -x "$b/initdb" ]; then
        die "no PostgreSQL server found in /usr/lib/postgresql/*/bin (install postgresql-15)"
    fi
    echo "$b"
}

# as_pg CMD…: runs CMD as the postgres user when we are root.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The unix socket path must stay under ~107 bytes: a long DIR gets its socket
# directory under /tmp instead, remembered in DIR/sockdir.
socket_dir() {
    if [ ${#dir} -le 80 ]; then
        echo "$dir"
    else
        mktemp -d /tmp/kefu-pg.XXXXXX
    fi
}

stop_cluster() {
    local bin=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    if [ -f "$dir/sockdir" ]; then
        local sd
        sd=$(cat "$dir/sockdir")
        case "$sd" in /tmp/kefu-pg.*) rm -rf "$sd" ;; esac
    fi
}

start_cluster() {
    local bin=$1 port sockdir
    stop_cluster "$bin"
    rm -rf "$dir"
    mkdir -p "$dir"
    sockdir=$(socket_dir)
    [ "$sockdir" = "$dir" ] || echo "$sockdir" >"$dir/sockdir"
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null || die "running as root but there is no postgres user to run the server as"
        chown postgres: "$dir" "$sockdir"
        runuser -u postgres -- test -w "$dir" ||
            die "user postgres cannot write $dir (is a parent directory private?)"
    fi

    if ! as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir/data"
    fi

    # Another process may take the port between choosing and binding: retry.
    for _ in 1 2 3 4 5; do
        port=$(free_port) || die "python3 is needed to find a free port"
        if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$sockdir -c max_connections=200" \
            start >/dev/null 2>&1; then
            break
        fi
        port=
        if ! grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null; then
            break
        fi
    done
    if [ -z "$port" ]; then
        tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
        die "PostgreSQL did not start in $dir (log: $dir/server.log)"
    fi

    local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
    if ! "${psql[@]}" -c "CREATE ROLE kefu LOGIN PASSWORD 'kefu'" \
        -c "CREATE DATABASE kefu OWNER kefu" >"$dir/setup.log" 2>&1; then
        cat "$dir/setup.log" >&2
        stop_cluster "$bin"
        die "cannot create role and database kefu on port $port"
    fi
    local url="postgres://kefu@127.0.0.1:$port/kefu"
    echo "$url" >"$dir/url"
    echo "$url"
}

bin=$(find_bin)
case "$cmd" in
start) start_cluster "$bin" ;;
stop)
    stop_cluster "$bin"
    rm -rf "$dir"
    ;;
*) usage ;;
esac
