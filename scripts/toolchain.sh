#!/bin/sh
# Runs a command with Node >= 22.12 and pnpm 10, provisioning both from the npm registry into
# ./.toolchain (git-ignored) when the machine lacks them, then installs the workspace if needed.
# Usage: sh scripts/toolchain.sh <command> [args...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tc="$root/.toolchain"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}
pnpm_ok() {
  command -v pnpm >/dev/null 2>&1 || return 1
  case "$(pnpm --version 2>/dev/null)" in 10.*) return 0 ;; *) return 1 ;; esac
}

# A toolchain provisioned earlier wins over an older system one.
if [ -x "$tc/node/bin/node" ]; then
  PATH="$tc/node/bin:$tc/node_modules/.bin:$PATH"; export PATH
fi

if ! node_ok || ! pnpm_ok; then
  command -v npm >/dev/null 2>&1 || { echo "toolchain: npm is required to provision Node 24 and pnpm 10" >&2; exit 2; }
  os=$(uname -s | tr 'A-Z' 'a-z'); arch=$(uname -m)
  case "$arch" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; esac
  # The registry's `node@24` package only runs an install script that fetches this
  # platform package (node-<os>-<arch>), which holds the binary and the headers.
  echo "toolchain: provisioning Node 24 and pnpm 10 into .toolchain (one time)..." >&2
  mkdir -p "$tc"
  (cd "$tc" && [ -f package.json ] || echo '{"private":true}' > "$tc/package.json")
  npm install --prefix "$tc" --no-save --no-audit --no-fund --loglevel=error \
    "node-$os-$arch@24" "pnpm@10" >&2
  rm -rf "$tc/node" && ln -s "node_modules/node-$os-$arch" "$tc/node"
  PATH="$tc/node/bin:$tc/node_modules/.bin:$PATH"; export PATH
  node_ok || { echo "toolchain: provisioned node is not usable" >&2; exit 2; }
fi

# Native addons must be built against the running Node's headers, not the system ones.
nodeprefix=$(dirname "$(dirname "$(command -v node)")")
if [ -d "$nodeprefix/include/node" ]; then
  npm_config_nodedir="$nodeprefix"; export npm_config_nodedir
fi

# Install (or refresh) the workspace when the lockfile is newer than the last install.
stamp="$root/node_modules/.modules.yaml"
if [ ! -f "$stamp" ] || [ "$root/pnpm-lock.yaml" -nt "$stamp" ] || [ "$root/package.json" -nt "$stamp" ]; then
  frozen=--frozen-lockfile
  [ -f "$root/pnpm-lock.yaml" ] || frozen=
  (cd "$root" && pnpm install $frozen --reporter=append-only >&2)
  touch "$stamp"
fi

cd "$root"
exec "$@"
