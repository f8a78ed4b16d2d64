# Multi-stage build: a static (musl) binary on an empty base image with the CA
# roots for the backend's HTTPS calls. No shell, no package manager.
#
#   docker build -t spectra-server .
#   docker compose up -d
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin spectra-server \
    && mkdir -p /out/app/keys /out/app/replays \
    && cp target/release/spectra-server /out/spectra-server

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/spectra-server /spectra-server
# The reference image's layout: /app is the working directory, keys in /app/keys,
# replay logs in /app/replays (the only writable path needed, and only with replays on).
COPY --from=build /out/app /app
WORKDIR /app
ENV INSECURE=false \
    SERVER_KEY=/app/keys/server.key \
    SERVER_CERT=/app/keys/server.crt \
    RUST_LOG=info
EXPOSE 5100 5101 5200
STOPSIGNAL SIGTERM
ENTRYPOINT ["/spectra-server"]
