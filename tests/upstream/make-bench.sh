#!/usr/bin/env bash
# Builds the bench of tests/upstream/bench.md on a Debian machine, as root: a user
# `frappe`, MariaDB and the two Redis run by hand, Frappe from a local checkout, a site
# test.localhost with the companion app (frappe-app/) and the swap app installed. What
# bench.md lists, step by step, in one command (about 10 minutes; each step is skipped
# when what it makes is there, so a second run finishes what a first one left).
#
#   bash tests/upstream/make-bench.sh <frappe checkout> <air-datepicker checkout>
#
# <frappe checkout>: a git repository holding Frappe develop with realtime/handlers of
# apps (bench.md's runs: commit 4380216 of 2025-01-08); its HEAD is used.
# <air-datepicker checkout>: a git repository of frappe/air-datepicker holding the commit
# Frappe's yarn.lock names (ed37b94); Frappe's package.json takes it from GitHub, which
# this machine cannot reach.
#
# Leaves MariaDB and the two Redis running (their PIDs in ~frappe/pids); stop them by
# those PIDs. `bash tests/upstream/make-bench.sh --services` starts them again on a
# bench built before.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HOME_F=/home/frappe
BENCH=$HOME_F/bench
SITE=test.localhost
as_frappe() { su - frappe -c "export PATH=$HOME_F/cli/bin:\$PATH UV_NATIVE_TLS=1 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt; $1"; }

[[ $(id -u) == 0 ]] || { echo "make-bench: run as root (it adds a user and apt packages)" >&2; exit 1; }

start_services() {
    as_frappe '
        cd ~ && : > ~/pids
        /usr/sbin/mariadbd --no-defaults --datadir=$HOME/db/data --socket=$HOME/db/mysqld.sock \
            --port=3307 --bind-address=127.0.0.1 --character-set-server=utf8mb4 \
            --collation-server=utf8mb4_unicode_ci --skip-log-bin > ~/db/mysqld.log 2>&1 &
        echo $! >> ~/pids
        for p in 13000 11000; do
            redis-server --port $p --bind 127.0.0.1 --save "" --daemonize yes \
                --logfile ~/redis-$p.log --pidfile ~/redis-$p.pid
        done
        for i in $(seq 100); do
            mariadb-admin --socket=$HOME/db/mysqld.sock ping > /dev/null 2>&1 && break; sleep 0.2
        done
        for p in 13000 11000; do for i in $(seq 50); do [ -s ~/redis-$p.pid ] && break; sleep 0.1; done; cat ~/redis-$p.pid >> ~/pids; done'
    echo "make-bench: MariaDB (3307) and Redis (13000, 11000) running; PIDs in $HOME_F/pids"
}

if [[ ${1:-} == --services ]]; then start_services; exit 0; fi
FRAPPE_SRC=$(cd "${1:?frappe checkout}" && pwd)
DATEPICKER=$(cd "${2:?air-datepicker checkout}" && pwd)

id frappe > /dev/null 2>&1 || useradd -m -s /bin/bash frappe
missing=()
for pkg in mariadb-server redis-server; do dpkg -s $pkg > /dev/null 2>&1 || missing+=($pkg); done
if (( ${#missing[@]} )); then apt-get update -q && apt-get install -yq "${missing[@]}"; fi
command -v yarn > /dev/null || npm install -g -s yarn      # bench init runs yarn for Frappe's assets
grep -q "127.0.0.1 $SITE" /etc/hosts || echo "127.0.0.1 $SITE" >> /etc/hosts

# Frappe and air-datepicker, copied where the user can read them
if [[ ! -d $HOME_F/frappe-src ]]; then
    git clone -q "$FRAPPE_SRC" $HOME_F/frappe-src
    mkdir -p $HOME_F/air-datepicker
    git -C "$DATEPICKER" archive ed37b94 | tar -x -C $HOME_F/air-datepicker
    sed -i 's#"air-datepicker": "git+https://github.com/frappe/air-datepicker"#"air-datepicker": "file:/home/frappe/air-datepicker"#' $HOME_F/frappe-src/package.json
    git -C $HOME_F/frappe-src -c user.name=bench -c user.email=bench@localhost commit -qam "air-datepicker from disk"
    chown -R frappe: $HOME_F/frappe-src $HOME_F/air-datepicker
fi
[[ -x $HOME_F/cli/bin/bench ]] || as_frappe 'python3 -m venv ~/cli && ~/cli/bin/pip install -q frappe-bench uv'

if [[ ! -d $HOME_F/db/data ]]; then
    as_frappe 'mkdir -p ~/db && mariadb-install-db --no-defaults --datadir=$HOME/db/data --auth-root-authentication-method=normal > ~/db/install.log'
    start_services
    as_frappe "mariadb --socket=\$HOME/db/mysqld.sock -uroot -e \"ALTER USER root@localhost IDENTIFIED BY 'root';
        CREATE USER IF NOT EXISTS root@'127.0.0.1';
        ALTER USER root@'127.0.0.1' IDENTIFIED BY 'root'; GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION\""
else
    as_frappe 'mariadb-admin --socket=$HOME/db/mysqld.sock ping' > /dev/null 2>&1 || start_services
fi

if [[ ! -d $BENCH/sites ]]; then
    # no backups: they are a crontab entry, and cron is not needed here
    as_frappe 'bench init --frappe-path ~/frappe-src --skip-redis-config-generation --no-backups bench'
fi
# Frappe imports pkg_resources, gone from new setuptools
as_frappe 'cd ~/bench && uv pip install -q --python ./env/bin/python "setuptools<70"'
if [[ ! -d $BENCH/sites/$SITE ]]; then
    as_frappe "cd ~/bench && bench new-site $SITE --admin-password admin --db-root-username root \
        --db-root-password root --db-host 127.0.0.1 --db-port 3307 \
        && bench use $SITE && bench set-config -g default_site $SITE \
        && bench --site $SITE set-config developer_mode 1 \
        && echo 'frappe.db.set_single_value(\"System Settings\", \"setup_complete\", 1); frappe.db.commit()' | bench --site $SITE console"
fi

# the two apps, as frappe-app/README.md installs them
[[ -f $REPO/dist/frappe-realtime.js ]] || (cd "$REPO" && bash scripts/build.sh > /dev/null)
rm -rf $BENCH/apps/realtime_acks $BENCH/apps/realtime_swap
cp -r "$REPO/frappe-app" $BENCH/apps/realtime_acks
cp -r "$REPO/tests/upstream/swap-app" $BENCH/apps/realtime_swap
mkdir -p $BENCH/apps/realtime_swap/realtime_swap/public/js
cp "$REPO/dist/frappe-realtime.js" $BENCH/apps/realtime_swap/realtime_swap/public/js/
chown -R frappe: $BENCH/apps/realtime_acks $BENCH/apps/realtime_swap
for app in realtime_acks realtime_swap; do
    if ! grep -qx $app $BENCH/sites/apps.txt; then
        as_frappe "cd ~/bench && ./env/bin/pip install -q -e apps/$app && printf '\n$app\n' >> sites/apps.txt && bench --site $SITE install-app $app"
    fi
done
as_frappe 'cd ~/bench && bench build --app realtime_swap' > /dev/null
echo "make-bench: $BENCH ready (site $SITE, Administrator / admin)"
