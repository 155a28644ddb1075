# source-kandji as an Airbyte custom connector (docs/airbyte.md).
#   docker build --platform linux/amd64 -t source-kandji:0.2.0 .
# amd64: the DuckDB binding in package-lock.json is built for linux-x64 only.
# What Airbyte requires of a connector image (airbyte-protocol.md §1.2): ENTRYPOINT as absolute paths and
# AIRBYTE_ENTRYPOINT equal to it, a non-root user named airbyte, a writable /airbyte. test/unit/dockerfile.test.ts
# checks these rules and that the labels match package.json.

FROM node:24-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied, and the `node` dev dependency would
# download a second Node; tsc below runs on the image's own Node.
RUN npm ci --ignore-scripts --no-audit --no-fund
# .dockerignore lets in only what the build needs.
COPY . .
RUN mkdir -p transforms && node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-slim
# Airbyte and most Kubernetes set-ups run connectors as uid 1000; the base image gives that id to `node`.
RUN userdel --remove node \
 && groupadd --gid 1000 airbyte \
 && useradd --uid 1000 --gid airbyte --home-dir /airbyte --shell /usr/sbin/nologin airbyte \
 && mkdir -p /airbyte/integration_code \
 && chown airbyte:airbyte /airbyte
WORKDIR /airbyte/integration_code
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist ./dist
COPY --from=build /build/transforms ./transforms
COPY spec.json ./

USER airbyte
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/node /airbyte/integration_code/dist/source/cli.js"
ENTRYPOINT ["/usr/local/bin/node", "/airbyte/integration_code/dist/source/cli.js"]

LABEL io.airbyte.name="source-kandji" \
      io.airbyte.version="0.2.0" \
      org.opencontainers.image.title="source-kandji" \
      org.opencontainers.image.description="Airbyte source for the Kandji (Iru) device-management API" \
      org.opencontainers.image.licenses="MIT"
