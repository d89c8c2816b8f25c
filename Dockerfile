# syntax=docker/dockerfile:1
# Secrets Vault OIDC Service. Three stages: `build` (every dependency) compiles the server to plain
# JavaScript and builds the hosted pages' assets; `production-dependencies` installs the
# production dependencies only; the final image has those two results, Node and tini, and runs as
# an unprivileged user. scripts/container-smoke.ts runs the same steps without a container
# engine, and .ci/run runs it (docs/deploy/container.md).
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/build-app.mjs --outdir /app

FROM node:${NODE_VERSION}-bookworm-slim AS production-dependencies
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
# tini as PID 1: forwards SIGTERM to node and terminates it in the moment before the service has
# installed its own handler (PID 1 ignores signals it has no handler for).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 svault \
  && useradd --system --uid 10001 --gid svault --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin svault \
  && mkdir -p /var/lib/svault \
  && chown svault:svault /var/lib/svault
WORKDIR /app
# Owned by root: the service cannot change its own code.
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app ./
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8080 \
  GRPC_PORT=8081 \
  DATA_DIR=/var/lib/svault
# The embedded database and the development KEK when DATABASE_URL and SVAULT_KEK are unset.
VOLUME ["/var/lib/svault"]
EXPOSE 8080 8081
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/ready`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# --expose-gc: the service runs one full collection when it falls idle, which gives back the memory
# V8 keeps after a busy spell (src/operations/idle-collector.ts; docs/operations.md, "Memory");
# --max-old-space-size=768: V8 then grows the old generation by at most ≈ 1.5× its live size
# between full collections (4× by default on this heap limit), which keeps a busy instance near
# 170 MiB instead of 300 (docs/operations.md, "Memory"). Flags on the command line win over
# NODE_OPTIONS: give another limit in the container's args (deploy/kubernetes/deployment.yaml).
# --no-concurrent-marking: an instance is sized to one core; V8's marking then runs in small steps
# on that core instead of in a helper thread that takes it from the requests in turns, which made
# the slowest 1 % of requests wait for it (docs/operations.md, "Memory").
# --no-allocation-site-pretenuring: V8 would otherwise allocate the objects of every request at
# sites it judged long-lived at start-up straight in the old generation, which then needs a
# full collection about every second under load (docs/operations.md, "Memory").
# The same flags as `npm start`.
CMD ["node", "--expose-gc", "--max-old-space-size=768", "--no-concurrent-marking", "--no-allocation-site-pretenuring", "src/main.js"]
