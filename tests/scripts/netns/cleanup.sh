#!/usr/bin/env bash
# Removes what a crashed test run left of the test internet (tests/MailAppliance.IntegrationTests/Network):
# for every slot whose lock is free, the processes in its namespaces, the namespaces (mat<slot>-*), the root
# link (mat<slot>), /etc/netns/mat<slot>-* and its temporary directory. Slots in use by a running test are left
# alone. TestInternet.StartAsync does the same for the slot it takes; this is for a machine you want clean now.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
locks=/run/mailappliance-testnet
mkdir -p "$locks"
for slot in $(seq 0 15); do
    prefix="mat$slot"
    exec {fd}>"$locks/slot$slot.lock"
    if ! flock -n "$fd"; then
        echo "slot $slot in use, left alone"
        exec {fd}>&-
        continue
    fi
    for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
        for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" | grep -v -- '-hub$' || true); do ip netns delete "$ns"; echo "deleted namespace $ns"; done
    if ip netns list | awk '{print $1}' | grep -qx "$prefix-hub"; then ip netns delete "$prefix-hub"; echo "deleted namespace $prefix-hub"; fi
    if ip link show "$prefix" >/dev/null 2>&1; then ip link delete "$prefix"; echo "deleted link $prefix"; fi
    rm -rf /etc/netns/"$prefix"-* "${TMPDIR:-/tmp}/mailappliance-testnet/$prefix"
    exec {fd}>&-
done
