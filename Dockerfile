# The origin (`tessera serve`) as a container: docs/deploy.md.
#
#   docker build -t tessera .
#   docker run -p 8080:8080 -e TESSERA_JWT_SECRET=... -v tessera-data:/var/lib/tessera tessera
#
# Build stage: the pinned toolchain, then `./dev build` (the host in release, every shipped
# component for wasm32-wasip2, the Python sandbox and plugins through componentize-py, the
# web app, and the embeddings model), exactly as on a developer's machine.
FROM rust:1.96-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/src/target
RUN ./dev build \
 && mkdir -p /out/opt/tessera \
 && cp target/release/tessera /out/tessera \
 && cp -r dist plugins content /out/opt/tessera/ \
 && cp -r "$HOME/.cache/tessera/models" /out/opt/tessera/models

# Run stage: the binary, the components and plugin manifests (which point at
# ../../dist/components/), the content packs and the model; nothing else. Non-root.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tessera --create-home tessera
COPY --from=build /out/tessera /usr/local/bin/tessera
COPY --from=build /out/opt/tessera /opt/tessera
WORKDIR /opt/tessera
USER 10001:10001
ENV TESSERA_DATA_DIR=/var/lib/tessera \
    TESSERA_PLUGINS_DIR=/opt/tessera/plugins \
    TESSERA_EMBEDDINGS_MODEL=/opt/tessera/models/all-MiniLM-L6-v2
VOLUME ["/var/lib/tessera"]
EXPOSE 8080
# Probes: /health/live, /health/ready and /health/startup over HTTP (docs/deploy.md has the
# Kubernetes stanza); the slim image carries no HTTP client for a Docker HEALTHCHECK.
ENTRYPOINT ["tessera"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
