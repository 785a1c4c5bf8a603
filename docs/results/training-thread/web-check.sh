#!/bin/bash
# usage: webcheck.sh BIN_DIR LABEL PORT
bin=$1; label=$2; port=$3
dir=$(mktemp -d /tmp/webcheck-XXXX); cd $dir
$bin/BanStudio.Web --urls http://127.0.0.1:$port > app.log 2>&1 &
app=$!
for i in $(seq 60); do curl -s -o /dev/null http://127.0.0.1:$port/api/experiments && break; sleep 1; done
cat > spec.json <<'SPEC'
{ "name": "web-thread-check", "dataset": { "kind": "builtin", "trainSize": 2560, "testSize": 1000 },
  "teacher": { "family": "wideresnet", "depth": 10, "widen": 1, "dropRate": 0 }, "generations": 1, "ensembles": false,
  "schedule": { "epochs": 3, "batchSize": 128, "learningRate": 0.1, "schedule": "cosine" }, "seeds": [1] }
SPEC
curl -s -H 'Content-Type: application/json' --data-binary @spec.json http://127.0.0.1:$port/api/experiments; echo
for i in $(seq 600); do s=$(curl -s http://127.0.0.1:$port/api/experiments/1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'); [ "$s" != running ] && [ "$s" != queued ] && break; sleep 2; done
echo "$label: status $s"
curl -s http://127.0.0.1:$port/api/experiments/1/metrics.csv | python3 -c '
import csv,sys
rows=list(csv.DictReader(sys.stdin))
for r in rows: print("  ", r["run_key"], "epoch", r["epoch"], "train_loss", r["train_loss"], "seconds", r.get("seconds"), "images/s", r.get("images_per_second"))'
kill $app; wait $app 2>/dev/null
