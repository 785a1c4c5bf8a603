#!/usr/bin/env bash
# The trainer before and after this branch's optimisations, on the same machine, alternating runs:
#   bash bench/before-after.sh                 # WRN-10-1 and DenseNet-BC-40-12, batch 64, 12 steps, 5 rounds
#   MODELS=WRN-16-4 ROUNDS=3 bash bench/before-after.sh
# "before" is a copy of this working tree with the trainer files of main at 2a98fc6 (per-step .item(), no prefetching,
# teacher under no_grad, per-batch .item() in evaluation); "after" is this checkout. Both use the same
# `bench` verb, so only the training path differs.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-"WRN-10-1 DenseNet-BC-40-12"}
BATCH=${BATCH:-64}; STEPS=${STEPS:-12}; WARMUP=${WARMUP:-2}; ROUNDS=${ROUNDS:-5}
BEFORE=$(mktemp -d)/before
mkdir -p "$BEFORE"
trap 'rm -rf "$(dirname "$BEFORE")"' EXIT
# This working tree (so the same bench verb) with the three trainer files as they were on main.
tar --exclude=./.git --exclude='*/bin' --exclude='*/obj' --exclude=./runs -cf - . | tar -xf - -C "$BEFORE"
for f in BanStudio.Training/Training/Trainer.cs BanStudio.Training/Training/TestScore.cs BanStudio.Training/Training/TrainingEvents.cs; do
  git show "2a98fc6:$f" >"$BEFORE/$f"
done
dotnet build "$BEFORE/BanStudio.Web" -c Release --nologo -v q >/dev/null
dotnet build BanStudio.Web -c Release --nologo -v q >/dev/null
DLL=BanStudio.Web/bin/Release/net10.0/linux-x64/BanStudio.Web.dll
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for model in $MODELS; do
  : >"$BEFORE.b"; : >"$BEFORE.a"; : >"$BEFORE.bc"; : >"$BEFORE.ac"; : >"$BEFORE.bb"; : >"$BEFORE.ab"
  for round in $(seq "$ROUNDS"); do
    args=(bench --model "$model" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --repeats 1)
    dotnet "$BEFORE/$DLL" "${args[@]}" >"$BEFORE.out"
    dotnet "$DLL" "${args[@]}" >"$BEFORE.out2"
    for pair in "out b" "out2 a"; do
      set -- $pair
      { grep -m1 -oE '^[0-9.]+ images/s' "$BEFORE.$1" | grep -oE '^[0-9.]+' || true; } >>"$BEFORE.$2"
      { grep -m1 -oE '^cpu [0-9.]+' "$BEFORE.$1" | grep -oE '[0-9.]+' || true; } >>"$BEFORE.$2c"
      { grep -m1 -oE 'BAN step [0-9.]+' "$BEFORE.$1" | grep -oE '[0-9.]+' || true; } >>"$BEFORE.$2b"
    done
    echo "  $model round $round/$ROUNDS: before $(tail -1 "$BEFORE.b") images/s, after $(tail -1 "$BEFORE.a") images/s (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  echo "$model batch $BATCH: before $(median <"$BEFORE.b") images/s, after $(median <"$BEFORE.a") images/s;" \
       "CPU ms/image before $(median <"$BEFORE.bc"), after $(median <"$BEFORE.ac");" \
       "BAN step before $(median <"$BEFORE.bb")x, after $(median <"$BEFORE.ab")x (medians of $ROUNDS rounds)"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
