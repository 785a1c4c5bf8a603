#!/usr/bin/env bash
# Builds what a GPU session carries to the device machine (no .NET there, no network, at most 64 MiB with the
# working tree): BanStudio published self-contained for linux-x64 with no libtorch of its own (TorchBackend=external;
# the machine's PyTorch supplies libtorch through BANSTUDIO_LIBTORCH), less the files only the web pages use, as
# xz; and Fashion-MNIST (Debian's dataset-fashion-mnist, decompressed then xz'd) for the training parts.
#   bash bench/gpu/prepare.sh          # -> artifacts/gpu/banstudio-linux-x64.tar.xz, artifacts/gpu/fashion-mnist.tar.xz
# Then, on the device tool: run(command="bash bench/gpu/device-run.sh", carry=["artifacts/gpu"], timeout_s=600).
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=artifacts/gpu
PUB=artifacts/gpu-publish
# The kit folder holds the two archives and nothing else: it is what the device call carries (64 MiB at most).
rm -rf "$PUB" "$KIT" && mkdir -p "$KIT"
dotnet publish BanStudio.Web -c Release -r linux-x64 --self-contained -p:TorchBackend=external -o "$PUB" --nologo -v q
[ ! -e "$PUB/libtorch_cpu.so" ] || { echo "prepare.sh: $PUB carries a libtorch; the external backend must not" >&2; exit 1; }
# The headless verbs (bench, run, train, models) never load these: the pages' assets and components, satellite
# resources, debugger and tracing libraries, the alternative collectors. bench/gpu/check-kit.sh runs the verbs from
# the trimmed folder on this machine's CPU to prove it.
WEB_ONLY=(wwwroot MudBlazor.dll Plotly.Blazor.dll createdump libmscordaccore.so libmscordbi.so libcoreclrtraceptprovider.so
          libclrgc.so libclrgcexp.so Microsoft.VisualBasic.Core.dll cs de es fr it ja ko pl pt-BR ru tr zh-Hans zh-Hant)
(cd "$PUB" && rm -rf "${WEB_ONLY[@]}" ./*.pdb)
tar -C "$PUB" -cf - . | xz -T"$(nproc)" -9e >"$KIT/banstudio-linux-x64.tar.xz"

FM=/usr/share/datasets/fashion-mnist
if [ ! -e "$FM/train-images-idx3-ubyte.gz" ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends dataset-fashion-mnist >/dev/null
fi
RAW=artifacts/gpu-fm && rm -rf "$RAW" && mkdir -p "$RAW/fashion-mnist"
for f in "$FM"/*.gz; do zcat "$f" >"$RAW/fashion-mnist/$(basename "$f" .gz)"; done
tar -C "$RAW" -cf - fashion-mnist | xz -T"$(nproc)" -9 >"$KIT/fashion-mnist.tar.xz"
rm -rf "$RAW"
ls -l "$KIT"
tree=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
kit=$(du -cb "$KIT"/* | tail -1 | cut -f1)
echo "working tree $((tree / 1024)) KiB + kit $((kit / 1024)) KiB = $(((tree + kit) / 1048576)) MiB of the device tool's 64 MiB"
[ $((tree + kit)) -lt $((64 * 1048576)) ] || { echo "prepare.sh: over the device tool's 64 MiB" >&2; exit 1; }
