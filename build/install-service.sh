#!/usr/bin/env bash
# Installs PiCloud as a headless systemd service (a Raspberry Pi, a home server): a dedicated system
# user, the app in /opt/picloud (or this checkout, --in-place), `npm ci`, the unit from
# build/picloud.service, enabled and (re)started. Safe to run again: it upgrades in place and restarts.
# --uninstall removes the service and the installed app but keeps the data; --purge removes the data too.
# --dry-run prints every change instead of making it. See docs/desktop.md.
# PICLOUD_INSTALL_ROOT (tests only) puts /etc and /var/lib under another folder, to dry-run the
# "already installed" paths without an installation.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: sudo build/install-service.sh [options]

  --in-place       run the service from this checkout instead of a copy in the install folder
  --prefix DIR     install folder (default /opt/picloud)
  --user NAME      service user, created if missing (default picloud)
  --uninstall      stop and remove the service and the installed app; keep the data
  --purge          with --uninstall: also delete the data folder, settings and the user
  --dry-run        print what would be done, change nothing
  -h, --help       this text

Data: /var/lib/picloud. Settings: /etc/picloud/picloud.env (PICLOUD_PORT=...), then
`systemctl restart picloud`. Logs: journalctl -u picloud -f
EOF
}

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=/opt/picloud
service_user=picloud
in_place=false
uninstall=false
purge=false
dry_run=false

root="${PICLOUD_INSTALL_ROOT:-}"
data_dir=/var/lib/picloud
config_dir="$root/etc/picloud"
unit_file="$root/etc/systemd/system/picloud.service"
marker=.installed-by-install-service
min_node_major=20
min_node_minor=19

while [ $# -gt 0 ]; do
  case "$1" in
    --in-place) in_place=true ;;
    --prefix)
      [ $# -ge 2 ] || { echo "install-service: --prefix needs a folder" >&2; exit 2; }
      prefix="$2"
      shift
      ;;
    --user)
      [ $# -ge 2 ] || { echo "install-service: --user needs a name" >&2; exit 2; }
      service_user="$2"
      shift
      ;;
    --uninstall) uninstall=true ;;
    --purge) purge=true ;;
    --dry-run) dry_run=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "install-service: unknown option $1" >&2
      usage >&2
      exit 2
      ;;
  esac
  shift
done

if $purge && ! $uninstall; then
  echo "install-service: --purge goes with --uninstall" >&2
  exit 2
fi
case "$prefix" in
  /*) ;;
  *)
    echo "install-service: --prefix must be an absolute path" >&2
    exit 2
    ;;
esac
if ! [[ "$service_user" =~ ^[a-z_][a-z0-9_-]*$ ]]; then
  echo "install-service: --user must be a valid user name" >&2
  exit 2
fi

say() { printf '==> %s\n' "$*"; }

# Runs a command, or prints it under --dry-run.
run() {
  if $dry_run; then
    printf '+ %s\n' "$*"
  else
    "$@"
  fi
}

# Writes stdin to a file with a mode, or prints it under --dry-run.
write_file() {
  local file="$1" mode="$2" content
  content="$(cat)"
  if $dry_run; then
    printf '+ write %s (mode %s):\n' "$file" "$mode"
    printf '%s\n' "$content" | sed 's/^/|  /'
  else
    printf '%s\n' "$content" >"$file"
    chmod "$mode" "$file"
  fi
}

if ! $dry_run && [ "$(id -u)" -ne 0 ]; then
  echo "install-service: run as root (sudo $0 $*), or add --dry-run to see what it would do" >&2
  exit 1
fi
if ! $dry_run && ! command -v systemctl >/dev/null; then
  echo "install-service: systemd (systemctl) is required" >&2
  exit 1
fi

uninstall_service() {
  if [ -f "$unit_file" ]; then
    say "Stopping and removing the service"
    run systemctl disable --now picloud.service
    run rm -f "$unit_file"
    run systemctl daemon-reload
  else
    say "No service installed ($unit_file)"
  fi
  if [ -f "$prefix/$marker" ]; then
    say "Removing $prefix"
    run rm -rf "$prefix"
  elif [ -e "$prefix" ]; then
    say "Keeping $prefix: this script did not install it"
  fi
  if $purge; then
    say "Deleting the data folder, settings and user $service_user"
    run rm -rf "$root$data_dir" "$config_dir"
    if getent passwd "$service_user" >/dev/null; then run userdel "$service_user"; fi
  else
    say "Kept the data in $data_dir and the settings in $config_dir (--purge deletes them)"
  fi
}

if $uninstall; then
  uninstall_service
  exit 0
fi

# 1. Node.js, the one thing PiCloud needs from the system.
node_bin="$(command -v node || true)"
if [ -z "$node_bin" ]; then
  echo "install-service: Node.js $min_node_major.$min_node_minor or newer is required (apt-get install nodejs, or NodeSource)" >&2
  exit 1
fi
node_bin="$(readlink -f "$node_bin")"
node_version="$("$node_bin" -p 'process.versions.node')"
IFS=. read -r node_major node_minor _ <<<"$node_version"
if [ "$node_major" -lt "$min_node_major" ] ||
  { [ "$node_major" -eq "$min_node_major" ] && [ "$node_minor" -lt "$min_node_minor" ]; }; then
  echo "install-service: Node.js $node_version is too old: PiCloud needs $min_node_major.$min_node_minor or newer" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "install-service: npm is required" >&2; exit 1; }

# 2. The service user: a system account without login or home of its own.
if getent passwd "$service_user" >/dev/null; then
  say "User $service_user exists"
else
  say "Creating system user $service_user"
  run useradd --system --user-group --home-dir "$data_dir" --no-create-home --shell /usr/sbin/nologin "$service_user"
fi

# 3. The app.
protect_home=yes
if $in_place; then
  prefix="$source_dir"
  case "$prefix" in
    /root | /root/*)
      echo "install-service: --in-place cannot run from $prefix: the service user cannot enter /root. Copy it to /opt/picloud (omit --in-place)." >&2
      exit 1
      ;;
    /home/*) protect_home=read-only ;;
  esac
  if [ -f "$prefix/dist/server/cli/main.js" ]; then
    say "Using the checkout in $prefix as it is (built)"
  else
    say "Installing and building the checkout in $prefix"
    run npm ci --prefix "$prefix" --no-audit --no-fund
  fi
else
  say "Installing PiCloud into $prefix"
  staging="$prefix.new"
  run rm -rf "$staging"
  run mkdir -p "$staging"
  if $dry_run; then
    printf '+ copy %s to %s (without node_modules, dist, release, .git)\n' "$source_dir" "$staging"
  else
    tar -C "$source_dir" --exclude=./node_modules --exclude=./dist --exclude=./release --exclude=./.git \
      --exclude=./renderer/dist -cf - . | tar -C "$staging" -xf -
  fi
  # npm ci installs exactly the lockfile and builds (its prepare step runs `npm run build`).
  run npm ci --prefix "$staging" --no-audit --no-fund
  run touch "$staging/$marker"
  run rm -rf "$prefix.old"
  if [ -e "$prefix" ]; then run mv "$prefix" "$prefix.old"; fi
  run mv "$staging" "$prefix"
  run rm -rf "$prefix.old"
fi

# 4. Settings, kept across upgrades.
run mkdir -p "$config_dir"
if [ -f "$config_dir/picloud.env" ]; then
  say "Keeping the settings in $config_dir/picloud.env"
else
  write_file "$config_dir/picloud.env" 0644 <<'EOF'
# PiCloud settings for the service (docs/configuration.md lists them all). After a change:
#   sudo systemctl restart picloud
#PICLOUD_PORT=8080
#PICLOUD_PANEL_PORT=8081
#PICLOUD_HOST=0.0.0.0
#PICLOUD_LOG_LEVEL=info
EOF
fi

# 5. The unit, adapted to this machine.
say "Installing $unit_file"
unit="$(sed \
  -e "s|/opt/picloud|$prefix|g" \
  -e "s|/usr/bin/node|$node_bin|g" \
  -e "s|^User=picloud$|User=$service_user|" \
  -e "s|^Group=picloud$|Group=$service_user|" \
  -e "s|^ProtectHome=yes$|ProtectHome=$protect_home|" \
  "$source_dir/build/picloud.service")"
write_file "$unit_file" 0644 <<<"$unit"

# 6. Enabled at boot, and (re)started now so an upgrade takes effect.
run systemctl daemon-reload
run systemctl enable picloud.service
run systemctl restart picloud.service

say "PiCloud runs as a service: systemctl status picloud   (logs: journalctl -u picloud -f)"
say "Panel: http://$(hostname).local:8081/ (or this machine's address; the port is PICLOUD_PANEL_PORT in $config_dir/picloud.env)"
say "Endpoints: http://$(hostname).local:8080/ (PICLOUD_PORT)"
