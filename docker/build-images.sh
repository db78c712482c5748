#!/usr/bin/env bash
# Publishes the three services and mailctl self-contained for linux-x64 and builds their images FROM the local
# base image (build-base-image.sh makes it when missing). The classic builder is used (no buildx here), and the
# Dockerfiles have no RUN step, so nothing runs in a container while building.
#
#   bash docker/build-images.sh               # tags mailappliance/{smtprelay,certmanager,dnsverifier}:latest
#   MAILAPPLIANCE_TAG=dev bash docker/build-images.sh
#
# Environment: MAILAPPLIANCE_TAG (default latest), MAILAPPLIANCE_BASE_IMAGE, CONFIGURATION (default Release),
# MAILAPPLIANCE_PUBLISH_DIR (where the publish output goes; default a temporary directory, removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${MAILAPPLIANCE_TAG:-latest}"
base="${MAILAPPLIANCE_BASE_IMAGE:-mailappliance/base:bookworm}"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCKER_BUILDKIT=0

MAILAPPLIANCE_BASE_IMAGE="$base" bash docker/build-base-image.sh

if [ -n "${MAILAPPLIANCE_PUBLISH_DIR:-}" ]; then
    out="$MAILAPPLIANCE_PUBLISH_DIR"; mkdir -p "$out"
else
    out=$(mktemp -d /tmp/mailappliance-publish.XXXXXX)
    trap 'rm -rf "$out"' EXIT
fi

publish() { # project, output directory
    rm -rf "$2"
    # A second try: a build of the same project without a runtime identifier running at the same moment (another
    # shell, an IDE) rewrites obj/project.assets.json under this one (NETSDK1047).
    for attempt in 1 2; do
        # No extra global properties (e.g. DebugType=none): they would flow to the referenced libraries and rebuild
        # them in place, without the .pdb files a later ordinary build of the checkout expects (MSB3030).
        dotnet publish "$1" -c "$configuration" -r linux-x64 --self-contained -nologo -clp:ErrorsOnly -o "$2" && return 0
        [ "$attempt" = 2 ] || echo "publish of $1 failed; trying once more" >&2
    done
    return 1
}

publish services/SmtpRelay/SmtpRelay.csproj "$out/smtprelay/app"
publish tools/MailCtl/MailCtl.csproj "$out/smtprelay/mailctl"
# Without HOSTNAME (see smtprelay.Dockerfile): mailctl reads the same settings as the relay.
printf '#!/bin/sh\nunset HOSTNAME\nexec /opt/mailappliance/mailctl/mailctl "$@"\n' >"$out/smtprelay/mailctl.sh"
chmod 755 "$out/smtprelay/mailctl.sh"
publish services/CertManager/CertManager.csproj "$out/certmanager/app"
publish services/DnsVerifier/DnsVerifier.csproj "$out/dnsverifier/app"

for service in smtprelay certmanager dnsverifier; do
    echo "building mailappliance/$service:$tag"
    docker build -q --build-arg "BASE_IMAGE=$base" -t "mailappliance/$service:$tag" \
        -f "docker/$service.Dockerfile" "$out/$service" >/dev/null
done
echo "built mailappliance/{smtprelay,certmanager,dnsverifier}:$tag from $base"
