#!/usr/bin/env bash
# The GPU part of issue 7 in one device-tool call (bash bench/gpu/prepare.sh first, here):
#   run(command="bash bench/gpu/device-run.sh", carry=["artifacts/gpu"], timeout_s=600)
# Unpacks the published BanStudio and Fashion-MNIST, points BANSTUDIO_LIBTORCH at the machine's PyTorch (torch/lib),
# then runs, each part under its own time cap so the whole stays inside one call, and every log lands in $OUT:
#   check     GPU, driver, PyTorch and CUDA versions; `ldd -r` of TorchSharp's native half against that libtorch (the
#             symbols that do not bind, if any); `models`; a 5-step CUDA bench. If TorchSharp cannot run on CUDA
#             there, the script stops after this part (the reason is in check.log).
#   bench     bench/compare-pytorch.sh on CUDA: WRN-16-4, DenseNet-BC-40-12 (batch 64), LSTM-2x200 (32 x 35), float32 TF32 on
#   study     the Fashion-MNIST Born-Again study (bench/gpu/fashion-mnist-study-cuda.json), whole seeds until the cap
#   variants  compare-pytorch.sh again: bfloat16 and float16 image models, TF32 off
#   precision WRN-16-4 on Fashion-MNIST in float32, bfloat16 and float16 (bench/gpu/precision-*.json): test error side by side
# Choose parts as arguments (default: all, in that order). Caps in seconds: CAP_BENCH, CAP_STUDY, CAP_VARIANTS, CAP_PRECISION.
# On this machine (no GPU) the same script checks the kit: DEVICE=cpu TORCH_LIB=<a libtorch 2.10 folder> QUICK=1.
set -uo pipefail
cd "$(dirname "$0")/../.."
START=$(date +%s)
OUT=${OUT:-artifacts/gpu-out}
mkdir -p "$OUT"
PARTS=${*:-check bench study variants precision}
DEVICE=${DEVICE:-cuda}
PYTHON=${PYTHON:-python3}
QUICK=${QUICK:-}
KIT=artifacts/gpu          # what is carried: the two archives, read only
WORK=${WORK:-artifacts/gpu-work}   # what this script unpacks and writes, outside the kit, so a check on this machine
APP=$WORK/app                      # never leaves anything in the folder the device call carries
DATA=$WORK/data
say() { echo "[$(date -u +%H:%M:%S) +$(($(date +%s) - START))s] $*"; }

rm -rf "$APP" "$WORK/runs" "$WORK/studio.db"* && mkdir -p "$APP" "$DATA"
[ -e "$KIT/banstudio-linux-x64.tar.xz" ] || { echo "no kit: run bash bench/gpu/prepare.sh first (here, before the device call)" >&2; exit 2; }
# xz where the machine has it, else Python's lzma (a PyTorch machine has Python).
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1"; else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi | tar -C "$2" -xf -; }
unxz_to "$KIT/banstudio-linux-x64.tar.xz" "$APP" || exit 2
[ -d "$DATA/fashion-mnist" ] || unxz_to "$KIT/fashion-mnist.tar.xz" "$DATA" || exit 2
TORCH_LIB=${TORCH_LIB:-$("$PYTHON" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}
export BANSTUDIO_LIBTORCH=$TORCH_LIB BANSTUDIO_DATA=$PWD/$DATA DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
compare() { OURS_BIN="$APP/BanStudio.Web" PYTHON=$PYTHON DEVICE=$DEVICE bash bench/compare-pytorch.sh; }
if [ -n "$QUICK" ]; then STEPS=2; WARMUP=1; ROUNDS=1; else STEPS=${STEPS:-30}; WARMUP=${WARMUP:-5}; ROUNDS=${ROUNDS:-3}; fi
export STEPS WARMUP

part_check() {
  say "check: $(uname -m), $(nproc) CPUs, device $DEVICE, libtorch $TORCH_LIB"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$PYTHON" -c 'import torch; print("pytorch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(), "GPU", torch.cuda.is_available() and torch.cuda.get_device_name(0))'
  ls "$TORCH_LIB" | grep -E '^lib(c10|torch)' | tr '\n' ' '; echo
  local bridge=$APP/libLibTorchSharp.so
  LD_LIBRARY_PATH=$TORCH_LIB ldd -r "$bridge" >"$OUT/ldd.txt" 2>&1
  say "ldd -r $bridge against $TORCH_LIB: $(grep -c 'undefined symbol' "$OUT/ldd.txt") undefined symbols, $(grep -c 'not found' "$OUT/ldd.txt") lines saying \"not found\" (all in ldd.txt)"
  grep 'undefined symbol\|not found' "$OUT/ldd.txt" | head -40 | sed 's/^/  /'
  if command -v c++filt >/dev/null; then grep -o 'undefined symbol: [^ ]*' "$OUT/ldd.txt" | cut -d' ' -f3 | head -40 | c++filt | sed 's/^/  demangled: /'; fi
  "${BAN[@]}" models >"$WORK/models.txt" 2>&1; say "models: exit code $? ($(head -3 "$WORK/models.txt" | cut -c1-200 | tr '\n' '|'))"
  "${BAN[@]}" bench --model WRN-10-1 --batch 64 --steps 5 --warmup 2 --repeats 1 --device "$DEVICE"; local rc=$?
  say "bench on $DEVICE: exit code $rc"
  return $rc
}
part_bench() {
  say "bench: float32, TF32 on, $ROUNDS rounds of $STEPS steps"
  compare
}
part_study() {
  local spec=bench/gpu/fashion-mnist-study-cuda.json
  if [ "$DEVICE" != cuda ]; then   # the kit check on a CPU: one seed, one epoch, 1,000 images
    spec=$WORK/study-$DEVICE.json
    sed "s/\"device\": \"cuda\"/\"device\": \"$DEVICE\"/; s/\"seeds\": \[1, 2, 3\]/\"seeds\": [1]/; s/\"epochs\": 4/\"epochs\": 1/; s/\"kind\": \"fashion-mnist\" }/\"kind\": \"fashion-mnist\", \"trainLimit\": 1000, \"testLimit\": 500 }/" bench/gpu/fashion-mnist-study-cuda.json >"$spec"
  fi
  say "study: $spec"
  "${BAN[@]}" run "$spec" --out "$WORK/runs/study" --database "$WORK/studio.db"
}
part_variants() {
  say "variants: bfloat16 and float16 (BatchNorm in float32), TF32 off"
  local v
  for v in "PRECISION=bfloat16 MODELS=WRN-16-4" "PRECISION=bfloat16 MODELS=DenseNet-BC-40-12" "PRECISION=float16 MODELS=WRN-16-4" "TF32=off MODELS=WRN-16-4"; do
    if [ "$DEVICE" != cuda ] && [[ "$v" == *=float16* ]]; then continue; fi   # float16 is CUDA only
    say "$v"; env $v ROUNDS=$VARIANT_ROUNDS bash -c compare | grep -v '^last\|^load'
  done
}
part_precision() {
  say "precision: WRN-16-4 on Fashion-MNIST, float32 / bfloat16 / float16"
  local p spec
  for p in float32 bfloat16 float16; do
    spec=bench/gpu/precision-$p.json
    if [ "$DEVICE" != cuda ]; then   # the kit check on a CPU: one epoch, 640 images, no float16
      [ $p != float16 ] || continue
      spec=$WORK/precision-$p-$DEVICE.json
      sed "s/\"device\": \"cuda\"/\"device\": \"$DEVICE\"/; s/\"epochs\": 4/\"epochs\": 1/; s/\"kind\": \"fashion-mnist\" }/\"kind\": \"fashion-mnist\", \"trainLimit\": 640, \"testLimit\": 320 }/" "bench/gpu/precision-$p.json" >"$spec"
    fi
    "${BAN[@]}" train "$spec" --out "$WORK/runs/precision-$p"
  done
}
export -f say compare part_check part_bench part_study part_variants part_precision
export START OUT DEVICE PYTHON KIT WORK APP TORCH_LIB ROUNDS VARIANT_ROUNDS=$([ -n "$QUICK" ] && echo 1 || echo 2)
export BAN_BIN="$APP/BanStudio.Web"

for part in $PARTS; do
  case "$part" in
    check) cap=120 ;; bench) cap=${CAP_BENCH:-200} ;; study) cap=${CAP_STUDY:-200} ;;
    variants) cap=${CAP_VARIANTS:-100} ;; precision) cap=${CAP_PRECISION:-120} ;;
    *) echo "device-run.sh: no part \"$part\" (check bench study variants precision)" >&2; exit 2 ;;
  esac
  # Its own process group: at the cap every process of the part gets SIGINT (a run or train ends "cancelled",
  # resumable, with its results so far printed), then SIGKILL 20 s later.
  timeout --signal=INT --kill-after=20 "$cap" bash -c 'BAN=("$BAN_BIN"); part_'"$part" 2>&1 | tee "$OUT/$part.log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -ne 124 ] || say "$part stopped at its ${cap}s cap" | tee -a "$OUT/$part.log"
  [ "$part" != study ] || cp "$WORK/runs/study/results.csv" "$OUT/study-results.csv" 2>/dev/null
  if [ "$part" = check ] && [ "$rc" -ne 0 ]; then say "TorchSharp does not run on $DEVICE here (exit code $rc): the other parts are skipped" | tee -a "$OUT/check.log"; break; fi
done
say "done: $PARTS"
