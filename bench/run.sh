#!/usr/bin/env bash
# Acceptance benchmark: MailAppliance's SmtpRelay against Postfix and chasquid, same machine, same run,
# with the shared harness (../shared/bench: smtp-source load, smtp-sink, cgroup CPU and memory accounting).
#
#   bash bench/run.sh                                  # null postfix chasquid mailappliance, c = 1,10,50, 3 reps
#   bash bench/run.sh --conc 50 --reps 1               # quick look
#   BENCH_TARGETS="postfix" bash bench/run.sh ...      # other comparison targets
#
# Every figure the harness prints is documented in ../shared/bench/README.md; the results used in
# docs/benchmarks.md are copied to bench/results/. Only 127.0.0.1 is contacted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
harness=${BENCH_HARNESS:-$repo/../shared/bench}
[ -x "$harness/run.sh" ] || { echo "bench: harness not found at $harness (set BENCH_HARNESS)" >&2; exit 1; }
export BENCH_DIR=${BENCH_DIR:-/tmp/bench}
port=${BENCH_PORT:-2510}
app=$BENCH_DIR/mailappliance
mkdir -p "$app"

# A self-contained Release build, run the way production runs it (no dotnet run wrapper); mailctl makes the keys.
dotnet publish "$repo/services/SmtpRelay" -c Release -o "$app/bin" -nologo -v quiet >/dev/null
dotnet publish "$repo/tools/MailCtl" -c Release -o "$app/mailctl" -nologo -v quiet >/dev/null

# Config: dest.test is a local domain whose catch-all forwards to fwd@sink.test — the same route the harness
# gives chasquid — and the queue delivers it to the harness's sink (MX of sink.test from the harness's DNS stub
# on 127.0.0.1:53, port $SINKPORT). smtp-source can do no AUTH, so 127.0.0.1 is a trusted network (like
# Postfix's mynetworks): its mail is DKIM-signed with bench.test's RSA-2048 and Ed25519 keys, as an
# authenticated submission would be.
rm -rf "$app/config" "$app/state"
mkdir -p "$app/config/domains/dest.test" "$app/config/domains/bench.test" "$app/state"
echo '*: fwd@sink.test' > "$app/config/domains/dest.test/aliases"
"$app/mailctl/mailctl" --config "$app/config" --state "$app/state" dkim keygen bench.test --selector r1 --algorithm rsa >/dev/null
"$app/mailctl/mailctl" --config "$app/config" --state "$app/state" dkim keygen bench.test --selector e1 --algorithm ed25519 >/dev/null
cat > "$app/config/appliance.json" <<JSON
{
  "Hostname": "bench-mailappliance.localdomain",
  "Smtp": {
    "MaxConnectionsPerIp": 1000,
    "Listeners": {
      "mx": { "Port": $port, "Addresses": "127.0.0.1" },
      "submission": { "Enabled": false },
      "submissions": { "Enabled": false }
    }
  },
  "Policy": { "TrustedNetworks": "127.0.0.1/32" },
  "Dns": { "Servers": "127.0.0.1:53" },
  "Delivery": { "MtaSts": false },
  "SmtpRelay": { "AdminUrls": "http://127.0.0.1:$((port + 1))" },
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } }
}
JSON

start="exec env Delivery__Port=\$SINKPORT $app/bin/SmtpRelay --config $app/config --state $app/state >$app/relay.log 2>&1"
# shellcheck disable=SC2086
exec "$harness/run.sh" ${BENCH_TARGETS:-null postfix chasquid} --server mailappliance "$port" "$start" '' "$@"
