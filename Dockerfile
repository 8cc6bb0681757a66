# CodeCouncil host image, built from Debian packages only.
#   docker build -t codecouncil .
#   docker run -p 5000:5000 -e JWT_SECRET=... -e DATABASE_URL=postgresql://... codecouncil
FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake ninja-build g++ pkg-config libpoco-dev libboost-dev libboost-filesystem-dev libyaml-cpp-dev \
      prometheus-cpp-dev libsqlite3-dev libpq-dev libargon2-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCODECOUNCIL_BUILD_TESTS=OFF \
    && cmake --build build -j2

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpocofoundation80 libpoconet80 libpoconetssl80 libpocoutil80 libpocojson80 libpococrypto80 \
      libpocojwt80 libpocodata80 libpocodatasqlite80 libpocodatapostgresql80 \
      libboost-filesystem1.74.0 libyaml-cpp0.7 libprometheus-cpp-core1.0 libsqlite3-0 libpq5 libargon2-1 \
      postgresql-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /opt/codecouncil codecouncil
WORKDIR /opt/codecouncil
COPY --from=build /src/build/bin/codecouncil bin/codecouncil
COPY --from=build /src/build/plugins plugins
COPY config config
COPY migrations migrations
COPY plugins/admin/web plugins/admin/web
COPY scripts/backup-db.sh scripts/restore-db.sh scripts/
ENV CODECOUNCIL_ENV=production CODECOUNCIL_PLUGIN_DIR=/opt/codecouncil/plugins CODECOUNCIL_DATA_DIR=/var/lib/codecouncil
RUN mkdir -p /var/lib/codecouncil && chown codecouncil /var/lib/codecouncil
USER codecouncil
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/5000"]
ENTRYPOINT ["/opt/codecouncil/bin/codecouncil"]
CMD ["serve"]
