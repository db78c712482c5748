#!/usr/bin/env bash
# Builds the local base image every MailAppliance service image starts FROM: a minimal Debian bookworm root file
# system made with debootstrap and loaded with `docker import`. No registry is needed (none may be reachable), only
# a Debian mirror. A self-contained .NET app needs no runtime, just glibc and the native libraries it loads:
# libicu72 (globalization, when not invariant), libssl3 (TLS), ca-certificates (outbound TLS trust), tzdata; and
# data files the services read: publicsuffix (the Public Suffix List for DMARC's organizational domain, RFC 7489
# §3.2); curl is there for the compose health checks.
#
#   bash docker/build-base-image.sh            # skips when the image exists
#   bash docker/build-base-image.sh --force    # rebuilds it (the cached root file system is reused)
#
# Environment: MAILAPPLIANCE_BASE_IMAGE (tag, default mailappliance/base:bookworm), MAILAPPLIANCE_ROOTFS_CACHE
# (tarball kept between runs, default /var/cache/mailappliance/rootfs-bookworm-<hash of the package list>.tar), DEBIAN_MIRROR.
set -euo pipefail

tag="${MAILAPPLIANCE_BASE_IMAGE:-mailappliance/base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages="libicu72,libssl3,ca-certificates,tzdata,publicsuffix,curl"
# The package list is part of the cache's name and the image's label: changing it rebuilds both.
packages_id=$(printf '%s' "$packages" | sha256sum | cut -c1-12)
cache="${MAILAPPLIANCE_ROOTFS_CACHE:-/var/cache/mailappliance/rootfs-bookworm-$packages_id.tar}"

if [ "${1:-}" != "--force" ] && [ "$(docker image inspect --format '{{index .Config.Labels "org.mailappliance.packages"}}' "$tag" 2>/dev/null)" = "$packages" ]; then
    echo "base image $tag exists"
    exit 0
fi

if [ ! -s "$cache" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
    root=$(mktemp -d /tmp/mailappliance-rootfs.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    echo "debootstrap bookworm into $root (from $mirror)"
    debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$root.log" 2>&1 \
        || { tail -30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
    rm -f "$root.log"
    # What a runtime image never uses: package caches and lists, documentation, manual pages, other locales.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
        "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log
    find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} +
    mkdir -p "$(dirname "$cache")"
    tar --numeric-owner -C "$root" -cf "$cache.tmp" .
    mv "$cache.tmp" "$cache"
fi

docker import \
    --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL org.mailappliance.packages=$packages" \
    --message "debootstrap bookworm minbase + $packages" \
    "$cache" "$tag" >/dev/null
echo "base image $tag imported from $cache"
