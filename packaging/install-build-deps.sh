#!/bin/sh
# Installs every Debian 12 package that building, testing and benchmarking sluice needs.
# Safe to run again: apt-get skips what is already there.
set -eu
if [ "$(id -u)" -ne 0 ]; then
    echo "install-build-deps.sh: run as root (sudo $0)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential cmake ninja-build pkg-config git \
    clang clang-format clang-tidy libclang-rt-14-dev \
    libgtest-dev libgmock-dev libbenchmark-dev \
    libnetfilter-queue-dev libnetfilter-conntrack-dev libmnl-dev \
    libspdlog-dev libfmt-dev libyaml-cpp-dev libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev \
    iptables nftables iproute2 conntrack procps util-linux \
    curl netcat-openbsd dnsmasq iperf3 tmux \
    dbus python3 python3-pytest python3-dbus python3-gi \
    debhelper dpkg-dev fakeroot lintian systemd man-db groff-base adduser \
    >/dev/null
echo "install-build-deps.sh: build, test and bench dependencies are installed"
