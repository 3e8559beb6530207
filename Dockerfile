# One image for every service and the migration step; SERVICES picks what a container runs.
FROM node:20-bookworm-slim

WORKDIR /app
# ts-node runs the TypeScript sources as `npm start` does locally, so dev dependencies stay in.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json moleculer.config.ts ./
COPY bin ./bin
COPY lib ./lib
COPY domain ./domain
COPY mixins ./mixins
COPY services ./services
COPY migrations ./migrations
COPY proto ./proto

ENV NODE_ENV=production
USER node
EXPOSE 3000 3030 3031 8081
# node itself (not npm) is PID 1, so `docker stop` (SIGTERM) reaches bin/start.ts's handler.
CMD ["node", "-r", "ts-node/register/transpile-only", "bin/start.ts"]
