#!/usr/bin/env bash
# bash docs/results/precision/run.sh  (from the repository root): float32 and bfloat16, seeds 1 and 2, alternating.
set -euo pipefail
cd "$(dirname "$0")/../../.."
dotnet build BanStudio.Web -c Release --nologo -v q >/dev/null
for s in 1 2; do for p in float32 bfloat16; do
  echo "== WRN-16-4 $p seed $s"
  rm -rf "/tmp/precision-$p-$s"
  dotnet BanStudio.Web/bin/Release/net10.0/linux-x64/BanStudio.Web.dll train "docs/results/precision/wrn-16-4-$p-seed$s.json" --out "/tmp/precision-$p-$s"
done; done
