# The acs-d365 worker image (docker-compose.yml runs it). Build: docker build -t acs-d365-sync .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.js ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# The heap cap keeps the worker's memory flat (V8 otherwise grows the heap lazily towards a share of the machine's RAM):
# a 1,000,000-row transfer holds ~35 MiB live. See docs/deployment.md and BENCHMARKS.md; the benchmarks use this line.
ENV NODE_ENV=production LOG_FORMAT=json NODE_OPTIONS=--max-old-space-size=384
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config/example.yaml config/acs-d365.schema.json ./config/
USER node
ENTRYPOINT ["node", "bin/acs-d365.js"]
CMD ["worker", "--config", "/config/acs-d365.yaml"]
