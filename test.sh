#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (Debian packages), then
# builds and runs the whole suite. Works on a fresh Debian 12 machine with the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
# The browser tests drive Debian's Chromium through Playwright, which never downloads a browser of its own.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (Debian packages the tests use)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
results="$(mktemp -d)"
status=0
dotnet test BanStudio.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

# One plain closing line: the totals across the suite.
trx="$results/results.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  executed=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
  notrun=$((total - executed))
  echo "${passed} passed, ${failed} failed, ${notrun} skipped"
fi
exit $status
