# One image for every service and for the deployment steps (migrate, topics);
# SERVICES picks what a container runs. Node 24, the major package.json pins.

# Build stage: every dependency, compiles the TypeScript to dist/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json moleculer.config.ts ./
COPY bin ./bin
COPY wiring ./wiring
COPY lib ./lib
COPY domain ./domain
COPY mixins ./mixins
COPY services ./services
COPY dev ./dev
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, no
# TypeScript, no ts-node, no Java; runs as the unprivileged `node` user.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin/launch.js ./bin/launch.js
COPY migrations ./migrations
COPY proto ./proto
# The console's own script and style (htmx and uPlot come with the production dependencies).
COPY lib/console/public ./lib/console/public
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 3030 3031 8081
# Readiness of this node (lib/platform/observability/probes.ts): its services run and the dependencies they use answer.
HEALTHCHECK --interval=10s --timeout=4s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PROBE_PORT || 3031) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm run start:prod`'s command line. node itself (not npm) is PID 1, so `docker stop` (SIGTERM)
# reaches the broker, which stops its services. A small young generation and an old generation
# grown by 20 % per major GC keep a node's resident memory low under load (docs/operations.md).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=20", "dist/bin/runner.js"]
