#!/usr/bin/env bash
# Starts PostgreSQL and MariaDB on loopback for the SQL engine's tests, installing them from
# Debian's packages when missing, and loads the example Titanic table into a test database.
#
# Usage (as root):  scripts/start-databases.sh [ENV_FILE]
#   Prints, on stdout only, the lines
#     export PLINTH_TEST_PG_URL=postgres://plinth:plinth@127.0.0.1:5432/plinth_test
#     export PLINTH_TEST_MYSQL_URL=mysql://plinth:plinth@127.0.0.1:3306/plinth_test
#   and writes them to ENV_FILE (default: target/test-databases.env), so either
#     eval "$(scripts/start-databases.sh)"   or   scripts/start-databases.sh && . target/test-databases.env
# Idempotent: installs only what is missing, starts only what is stopped, reloads the table.
# Logs go to stderr. Exit status is non-zero when a database could not be started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="${1:-$ROOT/target/test-databases.env}"
USER_NAME=plinth
PASSWORD=plinth
DB=plinth_test
log() { echo "start-databases: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root (it installs packages and starts services)"
  exit 1
fi

missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi

# --- PostgreSQL -----------------------------------------------------------------------------
start_postgres() {
  local version cluster
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    log "creating PostgreSQL $version cluster"
    pg_createcluster "$version" main >&2
  fi
  cluster="$version main"
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    log "starting PostgreSQL $cluster"
    pg_ctlcluster "$version" main start >&2
  fi
  for _ in $(seq 1 30); do
    su postgres -c "psql -qAtc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  su postgres -c "psql -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$USER_NAME') THEN
    CREATE ROLE $USER_NAME LOGIN PASSWORD '$PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB OWNER $USER_NAME' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB')\gexec
SQL
  python3 "$ROOT/scripts/titanic-sql.py" postgres \
    | PGPASSWORD=$PASSWORD psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -U $USER_NAME -d $DB >&2
  log "PostgreSQL ready"
}

# --- MariaDB --------------------------------------------------------------------------------
start_mariadb() {
  if ! mysqladmin ping >/dev/null 2>&1; then
    log "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    if ! service mariadb start >&2 2>&1; then
      (mysqld_safe --bind-address=127.0.0.1 >/dev/null 2>&1 &)
    fi
    for _ in $(seq 1 30); do
      mysqladmin ping >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  mysql -u root >&2 <<SQL
CREATE DATABASE IF NOT EXISTS $DB;
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON $DB.* TO '$USER_NAME'@'127.0.0.1';
GRANT ALL PRIVILEGES ON $DB.* TO '$USER_NAME'@'localhost';
FLUSH PRIVILEGES;
SQL
  python3 "$ROOT/scripts/titanic-sql.py" mysql | mysql -h 127.0.0.1 -u $USER_NAME -p$PASSWORD $DB >&2
  log "MariaDB ready"
}

start_postgres
start_mariadb

mkdir -p "$(dirname "$ENV_FILE")"
cat > "$ENV_FILE" <<ENV
export PLINTH_TEST_PG_URL=postgres://$USER_NAME:$PASSWORD@127.0.0.1:5432/$DB
export PLINTH_TEST_MYSQL_URL=mysql://$USER_NAME:$PASSWORD@127.0.0.1:3306/$DB
ENV
cat "$ENV_FILE"
