#!/usr/bin/env bash
# Installs (or upgrades) MailAppliance as systemd services on this machine (docs/deploy.md):
#   - publishes SmtpRelay, CertManager, DnsVerifier and mailctl self-contained (no .NET runtime needed on the
#     machine afterwards) into /opt/mailappliance/<part>/,
#   - creates the unprivileged user and group "mailappliance" (home /var/lib/mailappliance, no login shell),
#   - creates /etc/mailappliance (config, owned by that user, 0750) and /var/lib/mailappliance (state),
#   - installs the units of deploy/systemd/ and /usr/local/bin/mailctl, which runs mailctl as that user on
#     those directories,
#   - enables mailappliance.target. It does not start anything: run `mailctl init` first.
#
#   sudo bash deploy/install.sh          # from a checkout, with the .NET 10 SDK installed
#
# Re-running it upgrades the programs and units; config and state are never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/opt/mailappliance
config=/etc/mailappliance
state=/var/lib/mailappliance
user=mailappliance
units=/etc/systemd/system

if [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo bash deploy/install.sh)" >&2
    exit 1
fi
if ! command -v dotnet >/dev/null; then
    echo "install.sh: the .NET 10 SDK is needed to publish (dotnet not found)" >&2
    exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Build in a directory of our own (--artifacts-path), not in the checkout's bin/ and obj/: a development build
# there (Debug, no runtime identifier) can neither break nor be broken by the publish.
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT

# Publish into a fresh directory beside the old one, then swap: a running service keeps its files until restart.
publish() {
    local project=$1 name=$2
    echo "publishing $project -> $prefix/$name"
    rm -rf "$prefix/$name.new"
    dotnet publish "$project" -c Release -r linux-x64 --self-contained --artifacts-path "$artifacts" \
        -o "$prefix/$name.new" -nologo -clp:ErrorsOnly
    rm -rf "$prefix/$name.old"
    if [ -d "$prefix/$name" ]; then mv "$prefix/$name" "$prefix/$name.old"; fi
    mv "$prefix/$name.new" "$prefix/$name"
    rm -rf "$prefix/$name.old"
}

mkdir -p "$prefix"
publish services/SmtpRelay smtprelay
publish services/CertManager certmanager
publish services/DnsVerifier dnsverifier
publish tools/MailCtl mailctl
chown -R root:root "$prefix"
chmod -R u=rwX,go=rX "$prefix"

if ! getent passwd "$user" >/dev/null; then
    useradd --system --user-group --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$user"
    echo "created user $user"
fi

# Config: the services read it, CertManager writes certs/ in it; mailctl (as $user) writes the rest.
install -d -o "$user" -g "$user" -m 0750 "$config" "$config/certs" "$config/domains"
install -d -o "$user" -g "$user" -m 0750 "$state"
if [ ! -e "$config/environment" ]; then
    install -o root -g "$user" -m 0640 /dev/null "$config/environment"
    cat > "$config/environment" <<'EOF'
# Extra environment for the three services (KEY=value lines; systemd EnvironmentFile=).
# Telemetry to an OTLP collector or the standalone Aspire dashboard, for example:
#OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317
#OTEL_EXPORTER_OTLP_PROTOCOL=grpc
EOF
fi

# mailctl as the service user, so that the files it writes (DKIM keys are 0600) stay readable by the services.
cat > /usr/local/bin/mailctl <<EOF
#!/bin/sh
# Installed by MailAppliance deploy/install.sh: runs mailctl as $user on $config and $state.
export MAILAPPLIANCE_CONFIG=$config MAILAPPLIANCE_STATE=$state
if [ "\$(id -u)" = 0 ]; then
    export HOME=$state
    exec setpriv --reuid=$user --regid=$user --init-groups -- $prefix/mailctl/mailctl "\$@"
fi
exec $prefix/mailctl/mailctl "\$@"
EOF
chmod 0755 /usr/local/bin/mailctl

install -m 0644 deploy/systemd/mailappliance.target deploy/systemd/mailappliance-*.service "$units/"
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable mailappliance.target mailappliance-relay.service mailappliance-certmanager.service mailappliance-dnsverifier.service
    echo "installed. Next: mailctl init DOMAIN --hostname HOST, then systemctl start mailappliance.target"
else
    echo "installed; systemd is not running here, so nothing was enabled"
fi
