# Redress in a container: a release build, then a small runtime image running as a non-root
# user, with the data folder on a volume. See docs/operations.md.
#
#   docker build -t redress .
#   docker run -d --name redress -p 8080:8080 -v redress-data:/data \
#     -e REDRESS_SERVER__PUBLIC_URL=http://servidor:8080 redress
#   docker logs redress        # the first administrator's password is printed once
#   docker exec redress redress backup /data/backups/redress-$(date +%F).db

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p redress \
    && install -m 0755 target/release/redress /usr/local/bin/redress

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin redress \
    && install -d -m 0700 -o redress -g redress /data
COPY --from=build /usr/local/bin/redress /usr/local/bin/redress
USER redress
WORKDIR /data
ENV REDRESS_DATA_DIR=/data \
    REDRESS_SERVER__LISTEN=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 200 when the database answers (no curl in the image: bash's /dev/tcp).
HEALTHCHECK --interval=30s --timeout=5s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["redress"]
CMD ["serve"]
