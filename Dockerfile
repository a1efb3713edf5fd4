# syntax=docker/dockerfile:1
#
# Plinth server image: the `plinth` binary on debian:bookworm-slim, run as a non-root user.
# Needs BuildKit (the default builder of Docker 23+, or `docker buildx build`).
#
# Default image, tract backend only (no native library needed):
#
#     docker build -t plinth:latest .
#
# With ONNX Runtime (endpoints with `engine = "onnxruntime"`): compile the feature in AND ship
# the library, taken from the onnxruntime wheel on PyPI (1.31.1 is the version the `ort` crate
# is pinned against, see scripts/lib/onnxruntime.sh):
#
#     docker build -t plinth:onnxruntime \
#         --build-arg FEATURES=plinth/onnxruntime \
#         --build-arg ORT_VERSION=1.31.1 .
#
# With ORT_VERSION set, the library lands in /opt/onnxruntime/lib and ORT_DYLIB_PATH points at
# it; with ORT_VERSION empty (the default) the ONNX Runtime stage is not built at all and
# ORT_DYLIB_PATH is not set. FEATURES=plinth/onnxruntime without ORT_VERSION builds a binary
# that expects you to mount the library yourself and set ORT_DYLIB_PATH.
#
# Run (single node, SQLite state inside the container):
#
#     docker run --rm -p 11200:11200 -e PLINTH_ADMIN_KEY=... plinth:latest
#
# Run as a replica of a shared state:
#
#     docker run --rm -p 11200:11200 -e PLINTH_ADMIN_KEY=... \
#         -e PLINTH_STATE=postgres://plinth:secret@db:5432/plinth plinth:latest
#
# The image ships the binary only. The example bundles are not built into it (the WebAssembly
# function examples need Python and Node toolchains); deploy bundles with `plinth deploy`.
#
# No HEALTHCHECK: the slim image has no HTTP client. Kubernetes probes GET /isAlive on port
# 11200 (deploy/k8s/deployment.yaml); elsewhere, probe that URL from outside the container.

# Empty: no ONNX Runtime library. A version such as 1.31.1: the onnxruntime wheel's library.
ARG ORT_VERSION=""

# --- build ----------------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS builder
# rust:*-slim has gcc and libc6-dev (enough for the C the crates compile with `cc`: the
# bundled SQLite, ring); pkg-config is not in it and costs nothing, so build scripts that probe
# with it get an answer. Debian's versions are not pinned: bookworm's security updates replace
# them, and a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Cargo features of the build, e.g. plinth/onnxruntime (empty: the default tract backend).
ARG FEATURES=""
ARG ORT_VERSION
RUN case "$ORT_VERSION:$FEATURES" in \
        :*|*:*onnxruntime*) ;; \
        *) echo "ORT_VERSION=$ORT_VERSION needs --build-arg FEATURES=plinth/onnxruntime" >&2; exit 1 ;; \
    esac
# The registry and the target directory are cache mounts, kept between builds; the binary is
# copied out of the target directory in the same step, as a cache mount is not in the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p plinth ${FEATURES:+--features "$FEATURES"} \
    && install -D -m 0755 target/release/plinth /out/plinth

# --- ONNX Runtime's library (only built when ORT_VERSION is set) ----------------------------
FROM python:3.11-slim AS onnxruntime
ARG ORT_VERSION
# --no-deps: only the wheel itself is needed (numpy, protobuf... are for its Python API).
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps \
        --target /tmp/ort "onnxruntime==${ORT_VERSION}" \
    && mkdir -p /opt/onnxruntime/lib \
    && cp -a /tmp/ort/onnxruntime/capi/libonnxruntime.so* \
        /tmp/ort/onnxruntime/capi/libonnxruntime_providers_shared.so \
        /opt/onnxruntime/lib/ \
    && test -f "/opt/onnxruntime/lib/libonnxruntime.so.${ORT_VERSION}" \
    && rm -rf /tmp/ort

# --- runtime --------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: the system's CA bundle in /etc/ssl/certs (the binary's TLS clients, sqlx and
# ureq on rustls, carry webpki roots of their own; a private CA, e.g. PostgreSQL's sslrootcert,
# can be mounted next to it).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 plinth \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/plinth \
        --no-create-home --shell /usr/sbin/nologin plinth \
    && install -d -o plinth -g plinth -m 0750 /var/lib/plinth
COPY --from=builder /out/plinth /usr/local/bin/plinth
WORKDIR /var/lib/plinth
USER 10001:10001
ENV PLINTH_LISTEN=0.0.0.0:11200 \
    PLINTH_DATA_DIR=/var/lib/plinth
EXPOSE 11200
# SIGTERM: stop accepting, finish calls in flight, flush monitoring and job chunks, release
# job leases.
STOPSIGNAL SIGTERM
ENTRYPOINT ["plinth"]
CMD ["serve", "--no-examples"]

# The runtime plus ONNX Runtime's library.
FROM runtime AS runtime-ort
ARG ORT_VERSION
COPY --from=onnxruntime /opt/onnxruntime /opt/onnxruntime
ENV ORT_DYLIB_PATH=/opt/onnxruntime/lib/libonnxruntime.so.${ORT_VERSION}

# The image built by default: `runtime` when ORT_VERSION is empty, `runtime-ort` otherwise
# (stages nothing depends on are skipped, so python:3.11-slim is only pulled with ORT_VERSION).
# hadolint ignore=DL3006
FROM runtime${ORT_VERSION:+-ort} AS final
