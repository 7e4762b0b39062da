# syntax=docker/dockerfile:1
# The `bale` binary in a small Debian image: build stage on the official Swift image, runtime
# stage on debian:bookworm-slim with only the shared libraries the binary links (the Swift
# runtime and Foundation are linked in statically). Used by deploy/kubernetes/ as the sidecar.
#
#   docker build -t bale:dev .
#   docker run --rm bale:dev --help
#
# Not built in CI. Needs BuildKit (the default builder since Docker 23) for the cache mount.
# SWIFT_VERSION: the project is developed on 6.3; 6.2 is the oldest toolchain the README supports.
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
# The -dev packages scripts/install-deps installs for building (pkg-config finds them for the
# CArchive, CZstd and CPNG system-library targets in Package.swift).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libarchive-dev libzstd-dev libpng-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .build is a cache mount (dependency checkouts and objects survive between builds), so the
# binary is copied out of it in the same step. Package.resolved is not committed: dependencies
# resolve to the newest versions Package.swift allows, as on a fresh checkout.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product bale --static-swift-stdlib \
    && install -m 0755 "$(swift build -c release --product bale --static-swift-stdlib --show-bin-path)/bale" /usr/local/bin/bale

FROM debian:bookworm-slim
# Runtime counterparts of the -dev packages above, and CA certificates for HTTPS clients.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libarchive13 libzstd1 libpng16-16 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/bale /usr/local/bin/bale
# Fail here rather than at the first start if the binary needs a library this stage lacks.
RUN ldd /usr/local/bin/bale && ! ldd /usr/local/bin/bale | grep -q 'not found'
# A numeric, non-root user, so Kubernetes' runAsNonRoot can check it without a name lookup.
RUN groupadd --system --gid 65532 bale \
    && useradd --system --uid 65532 --gid bale --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin bale
USER 65532:65532
WORKDIR /models
EXPOSE 8080
ENTRYPOINT ["bale"]
CMD ["--help"]
