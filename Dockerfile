# CodeCouncil host image: the project's Debian package (cpack -G DEB) installed on Debian 12,
# so the image has exactly the files, user and folders of a package install
# (docs/deployment.md, "Docker"). monitoring/docker-compose.yml builds this file too.
#   docker build -t codecouncil .
#   docker run -p 5000:5000 -e JWT_SECRET=... -e METRICS_TOKEN=... -e BACKUP_SIGNING_KEY=... \
#     -e DATABASE_URL=postgresql://... codecouncil
FROM debian:bookworm AS build
# dpkg-dev and file: cpack derives the package's library dependencies with dpkg-shlibdeps.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake ninja-build g++ pkg-config libpoco-dev libboost-dev libboost-filesystem-dev libboost-context-dev libyaml-cpp-dev \
      prometheus-cpp-dev libsqlite3-dev libpq-dev libargon2-dev libssl-dev dpkg-dev file \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCODECOUNCIL_BUILD_TESTS=OFF \
    && cmake --build build -j2 \
    && cpack -G DEB --config build/CPackConfig.cmake -B /src/package

FROM debian:bookworm-slim
COPY --from=build /src/package/codecouncil_*.deb /tmp/
# apt installs the package's dependencies: the shared libraries, adduser, and postgresql-client
# (pg_dump and psql 15 for backups and restores; the server must not be newer than 15).
# postinst creates the codecouncil user, /var/lib/codecouncil and /var/backups/codecouncil-ai
# (0700, the user's own: BACKUP_DIR's default, writable by the host's scheduled backups).
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/codecouncil_*.deb ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* /tmp/codecouncil_*.deb
# The binary reads /etc/codecouncil/production.yaml (plugins, migrations and web root under
# /usr) from any folder; secrets come from the container's environment.
ENV CODECOUNCIL_ENV=production
USER codecouncil
WORKDIR /var/lib/codecouncil
VOLUME ["/var/lib/codecouncil", "/var/backups/codecouncil-ai"]
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD curl -fsS "http://127.0.0.1:${PORT:-5000}/healthz" || exit 1
ENTRYPOINT ["/usr/bin/codecouncil"]
CMD ["serve"]
