# Rampart in a container: Debian 12, built from this checkout, run as a non-root user.
#   docker build -t rampart .
#   docker run -d -p 4566:4566 -v rampart-data:/var/lib/rampart --name rampart rampart
#   docker exec rampart cat /var/lib/rampart/root-credentials
# The build stage makes the same .deb as `cpack` (its dependencies are Debian 12's packages);
# the image installs it on debian:12-slim. docs/OPERATIONS.md has a CI recipe.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/deps.sh build \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMPART_TESTS=OFF \
      -DRAMPART_BENCH=OFF \
 && cmake --build /build \
 && cd /build && cpack

FROM debian:12-slim
COPY --from=build /build/rampart_*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/rampart_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/rampart_*.deb \
 && install -d -m 0700 -o rampart -g rampart /var/lib/rampart
ENV RAMPART_LISTEN=0.0.0.0:4566 \
    RAMPART_DATA_DIR=/var/lib/rampart
USER rampart
VOLUME /var/lib/rampart
EXPOSE 4566
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["rampart", "health"]
ENTRYPOINT ["rampart", "serve"]
CMD ["--quiet-credentials"]
