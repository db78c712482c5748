#!/usr/bin/env bash
# Runs the whole test suite: installs the Debian packages the tests use as real peers, builds, runs every
# test project one after the other, and ends with one line "N passed, N failed, N skipped".
#
#   bash tests/run.sh                 # everything
#   bash tests/run.sh --filter Smtp   # only tests whose full name contains "Smtp"
set -euo pipefail
cd "$(dirname "$0")/.."

filter=""
if [ "${1:-}" = "--filter" ]; then filter="${2:?--filter needs a value}"; fi

# Real peers and verifiers (README "Testing"): clients, MTAs, DNS, ACME CA, DKIM/SPF checkers; the Docker engine,
# docker-compose and debootstrap for tests/MailAppliance.ContainerTests (nothing auto-starts: policy-rc.d below);
# systemd (systemd-analyze) and util-linux (setpriv) for the Deploy tests.
packages=(swaks msmtp postfix python3 python3-aiosmtpd python3-dkim python3-spf python3-dnspython
          opendkim-tools bind9 bind9-dnsutils pebble iproute2 publicsuffix openssl procps curl
          libio-socket-ssl-perl libnet-ssleay-perl libio-socket-inet6-perl ca-certificates postsrsd
          docker.io docker-compose debootstrap
          systemd util-linux)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    # Never let a package start a system mail or DNS server (it would take port 25 or 53).
    own_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
        $sudo_cmd chmod 755 /usr/sbin/policy-rc.d; own_policy=1
    fi
    echo 'postfix postfix/main_mailer_type select No configuration' | $sudo_cmd debconf-set-selections
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -n "$own_policy" ] && $sudo_cmd rm -f /usr/sbin/policy-rc.d
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build MailAppliance.sln -c Debug -nologo -clp:ErrorsOnly

results=$(mktemp -d)
status=0
for project in tests/*/*.csproj; do
    name=$(basename "$project" .csproj)
    args=(test "$project" --no-build -c Debug --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal")
    [ -n "$filter" ] && args+=(--filter "FullyQualifiedName~$filter")
    echo "=== $name"
    dotnet "${args[@]}" || status=1
done

# One closing line over all projects, from the TRX result counters.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    # Failures are repeated here so that the end of a long log names them.
    for r in root.iter("{*}UnitTestResult"):
        if r.get("outcome") != "Passed" and r.get("outcome") != "NotExecuted":
            m = r.find(".//{*}Message")
            text = (m.text or "").strip() if m is not None else ""
            print(f"FAILED {r.get('testName')}: {text[:600]}")
    c = root.find(".//{*}Counters")
    if c is None:
        continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    s += int(c.get("total", 0)) - int(c.get("executed", 0))
print(f"{p} passed, {f} failed, {s} skipped")
PY
rm -rf "$results"
exit $status
