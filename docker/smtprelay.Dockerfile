# The SMTP relay, with mailctl beside it (`docker exec <relay> mailctl user add ...`). Built by build-images.sh
# from a self-contained publish (no .NET runtime in the image, only the base image's native libraries).
ARG BASE_IMAGE=mailappliance/base:bookworm
FROM ${BASE_IMAGE}
COPY app/ /opt/mailappliance/smtprelay/
COPY mailctl/ /opt/mailappliance/mailctl/
COPY mailctl.sh /usr/local/bin/mailctl
# config/ is the operator's (appliance.json, domains, users, DKIM keys, certs); state/ is the relay's (queue, mail log).
ENV MAILAPPLIANCE_CONFIG=/config MAILAPPLIANCE_STATE=/state DOTNET_RUNNING_IN_CONTAINER=true
VOLUME ["/config", "/state"]
# mx, submissions (implicit TLS), submission; the admin endpoint stays on loopback.
EXPOSE 25 465 587
WORKDIR /state
# docker stop sends SIGTERM: sessions get SmtpRelay:ShutdownGraceSeconds to finish. SIGHUP reloads certificates.
STOPSIGNAL SIGTERM
# Docker exports HOSTNAME (the host's name on the host network); the settings read every environment variable and
# match keys case-insensitively, so it would override the Hostname in appliance.json. env -u drops it.
ENTRYPOINT ["/usr/bin/env", "-u", "HOSTNAME", "/opt/mailappliance/smtprelay/SmtpRelay"]
