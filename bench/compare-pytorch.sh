#!/usr/bin/env bash
# BanStudio's `bench` against PyTorch on the same machine, the same models, shapes and thread count.
#   bash bench/compare-pytorch.sh                      # WRN-16-4, DenseNet-BC-40-12 (batch 64) and LSTM-2x200 (batch 32 x 35), 12 steps, 3 rounds
#   ROUNDS=5 STEPS=20 MODELS="WRN-16-4" bash bench/compare-pytorch.sh
#   DEVICE=cuda PRECISION=bfloat16 TF32=off BATCH=256 ...    # passed to both sides (bench/gpu/device-run.sh uses these)
#   OURS_BIN=/path/BanStudio.Web PYTHON=python3 ...           # a published BanStudio (no dotnet build) and another interpreter
#   BANSTUDIO_ONEDNN=on|off ...                               # oneDNN convolutions on or off for both (default: ours decides, see CpuConvolutions)
# Installs Debian's python3-torch when /usr/bin/python3 cannot import torch (needs root or sudo).
# Ours and theirs alternate, one repeat each per round, so load from other processes on a shared machine
# falls on both alike; the medians of the rounds are compared. Ratio = ours / theirs (above 1: we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=${MODELS:-"WRN-16-4 DenseNet-BC-40-12 LSTM-2x200"}
# Language models (LSTM-*) train on random word ids in 35-step BPTT windows, a step being one window, and report tokens/s.
BATCH=${BATCH:-64}
LM_BATCH=${LM_BATCH:-32}
STEPS=${STEPS:-12}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
DEVICE=${DEVICE:-cpu}
PRECISION=${PRECISION:-float32}
TF32=${TF32:-on}
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's python3-torch installs for the system interpreter, not pyenv's

if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "installing Debian's python3-torch ..."
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq   # a fresh machine has no package lists yet
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends python3-torch >/dev/null
fi

# One thread per physical core for both (distinct core/socket pairs, capped by the CPUs this process may use).
CORES=$(lscpu -p=core,socket 2>/dev/null | grep -v "^#" | sort -u | wc -l || true)
[ "$CORES" -ge 1 ] || CORES=$(nproc)
[ "$CORES" -le "$(nproc)" ] || CORES=$(nproc)

if [ -n "${OURS_BIN:-}" ]; then
  OURS=("$OURS_BIN" bench)
else
  dotnet build BanStudio.Web -c Release --nologo -v q >/dev/null
  OURS=(dotnet BanStudio.Web/bin/Release/net10.0/linux-x64/BanStudio.Web.dll bench)
fi
THEIRS=("$PYTHON" bench/pytorch_bench.py)
LOG=$(mktemp -d)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $CORES physical cores, threads $CORES; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pytorch: $("$PYTHON" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)'), TorchSharp: 0.107.0 (built for libtorch 2.10.0), ours on libtorch ${BANSTUDIO_LIBTORCH:-bundled}"
echo "device $DEVICE, precision $PRECISION, TF32 $TF32 (CUDA only)"

first() { grep -m1 -oE "$1" "$2" | grep -oE '[0-9]+(\.[0-9]+)?' | head -1; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

for model in $MODELS; do
  case "$model" in
    LSTM-*) batch=$LM_BATCH; unit=tokens; cpu_unit="1000 tokens" ;;
    *) batch=$BATCH; unit=images; cpu_unit=image ;;
  esac
  : >"$LOG/ours" ; : >"$LOG/theirs"; : >"$LOG/ours-ban"; : >"$LOG/theirs-ban"; : >"$LOG/ours-cpu"; : >"$LOG/theirs-cpu"; : >"$LOG/ours-bancpu"; : >"$LOG/theirs-bancpu"
  for round in $(seq "$ROUNDS"); do
    args=(--model "$model" --batch "$batch" --steps "$STEPS" --warmup "$WARMUP" --repeats 1 --threads "$CORES" --device "$DEVICE" --tf32 "$TF32")
    case "$model" in LSTM-*) ;; *) args+=(--precision "$PRECISION") ;; esac
    "${OURS[@]}" "${args[@]}" >"$LOG/o.txt"
    # Where ours switched oneDNN's convolutions off (a CPU that reports no cache sizes, where oneDNN computes them
    # wrongly, or BANSTUDIO_ONEDNN=off), PyTorch runs without them too: the same kernels on both sides.
    theirs_args=("${args[@]}")
    if grep -q "oneDNN convolutions off" "$LOG/o.txt"; then theirs_args+=(--onednn off); fi
    "${THEIRS[@]}" "${theirs_args[@]}" >"$LOG/t.txt"
    o=$(first "^[0-9.]+ $unit/s" "$LOG/o.txt"); t=$(first "^[0-9.]+ $unit/s" "$LOG/t.txt")
    first 'BAN step [0-9.]+x' "$LOG/o.txt" >>"$LOG/ours-ban"; first 'BAN step [0-9.]+x' "$LOG/t.txt" >>"$LOG/theirs-ban"
    first 'in processor time [0-9.]+x' "$LOG/o.txt" >>"$LOG/ours-bancpu"; first 'in processor time [0-9.]+x' "$LOG/t.txt" >>"$LOG/theirs-bancpu"
    first '^cpu [0-9.]+ ms' "$LOG/o.txt" >>"$LOG/ours-cpu"; first '^cpu [0-9.]+ ms' "$LOG/t.txt" >>"$LOG/theirs-cpu"
    echo "$o" >>"$LOG/ours"; echo "$t" >>"$LOG/theirs"
    echo "  $model round $round/$ROUNDS: BanStudio $o $unit/s, PyTorch $t $unit/s (load $(cut -d' ' -f1 /proc/loadavg))$(grep -q "oneDNN convolutions off" "$LOG/o.txt" && echo ", oneDNN convolutions off on both sides")"
  done
  o=$(median <"$LOG/ours"); t=$(median <"$LOG/theirs")
  ob=$(median <"$LOG/ours-ban"); tb=$(median <"$LOG/theirs-ban")
  oc=$(median <"$LOG/ours-cpu"); tc=$(median <"$LOG/theirs-cpu")
  obc=$(median <"$LOG/ours-bancpu"); tbc=$(median <"$LOG/theirs-bancpu")
  awk -v m="$model" -v b="$batch" -v u="$unit" -v cu="$cpu_unit" -v o="$o" -v t="$t" -v ob="$ob" -v tb="$tb" -v oc="$oc" -v tc="$tc" -v obc="$obc" -v tbc="$tbc" -v n="$ROUNDS" 'BEGIN {
    printf "%-18s batch %d  BanStudio %7.1f %s/s  PyTorch %7.1f %s/s  ratio %.2f  |  CPU ms/%s: ours %.2f, PyTorch %.2f, ratio %.2f  |  BAN step: ours %.2fx, PyTorch %.2fx a label step (processor time: %.2fx, %.2fx)  (medians of %d rounds)\n", m, b, o, u, t, u, o / t, cu, oc, tc, tc / oc, ob, tb, obc, tbc, n }'
done
grep -h "peak memory" "$LOG/o.txt" | sed 's/^/last BanStudio run: /'
grep -h "peak memory" "$LOG/t.txt" | sed 's/^/last PyTorch run:   /'
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$LOG"
