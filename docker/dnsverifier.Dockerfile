# DnsVerifier: checks the published MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, PTR, CAA and DNSBL listings on a schedule
# and reports them as health. Built by build-images.sh from a self-contained publish.
ARG BASE_IMAGE=mailappliance/base:bookworm
FROM ${BASE_IMAGE}
COPY app/ /opt/mailappliance/dnsverifier/
ENV MAILAPPLIANCE_CONFIG=/config MAILAPPLIANCE_STATE=/state DOTNET_RUNNING_IN_CONTAINER=true
VOLUME ["/config", "/state"]
WORKDIR /state
# Docker exports HOSTNAME (the host's name on the host network); the settings read every environment variable and
# match keys case-insensitively, so it would override the Hostname in appliance.json. env -u drops it.
ENTRYPOINT ["/usr/bin/env", "-u", "HOSTNAME", "/opt/mailappliance/dnsverifier/DnsVerifier"]
