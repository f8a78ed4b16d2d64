# Multi-stage build: a static (musl) binary on an empty base image with the CA
# roots for the backend's HTTPS calls. No shell, no package manager. The
# same image as scripts/image.sh builds without Docker (buildah).
#
#   docker build -t spectra-server .
#   docker compose up -d
FROM rust:1-alpine AS build
# gcc and musl-dev for the C parts (ring, mimalloc); the image has gcc and
# the CA roots already.
RUN apk add --no-cache musl-dev gcc ca-certificates
WORKDIR /src
COPY . .
# Profile `image`: release code, stripped (no debug info or symbols). On
# Alpine the host target is musl, linked statically.
RUN cargo build --profile image --locked --bin spectra-server \
    && mkdir -p /out/app/keys /out/app/replays \
    && cp target/image/spectra-server /out/spectra-server

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
