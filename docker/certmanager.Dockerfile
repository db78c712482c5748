# CertManager: ACME issuance and renewal (HTTP-01 on port 80 or DNS-01), or External mode importing certbot/acme.sh
# files; after a write it signals the relay (admin endpoint, and SIGHUP through the Docker socket when
# CertManager:RelayContainer is set). Built by build-images.sh from a self-contained publish.
ARG BASE_IMAGE=mailappliance/base:bookworm
FROM ${BASE_IMAGE}
COPY app/ /opt/mailappliance/certmanager/
ENV MAILAPPLIANCE_CONFIG=/config MAILAPPLIANCE_STATE=/state DOTNET_RUNNING_IN_CONTAINER=true
VOLUME ["/config", "/state"]
EXPOSE 80
WORKDIR /state
# Docker exports HOSTNAME (the host's name on the host network); the settings read every environment variable and
# match keys case-insensitively, so it would override the Hostname in appliance.json. env -u drops it.
ENTRYPOINT ["/usr/bin/env", "-u", "HOSTNAME", "/opt/mailappliance/certmanager/CertManager"]
