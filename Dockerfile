# The acs-d365 worker image (docker-compose.yml runs it). Build: docker build -t acs-d365-sync .
# Node.js 24, the LTS line supported until April 2028 (Node 20 reached its end of life in April 2026); .ci/run runs the
# worker's smoke test on the same line.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.js ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# The heap cap keeps the worker's memory flat (V8 otherwise grows the heap lazily towards a share of the machine's RAM):
# a 1,000,000-row transfer holds ~35 MiB live. See docs/deployment.md and BENCHMARKS.md; the benchmarks use this line.
ENV NODE_ENV=production LOG_FORMAT=json NODE_OPTIONS=--max-old-space-size=384
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config/example.yaml config/acs-d365.schema.json ./config/
# reports.folder defaults to ./reports (/app/reports): the worker, as node, writes rejects and audits there. A volume
# mounted on it (docker-compose.yml) starts with this owner.
RUN mkdir -p /app/reports && chown node:node /app/reports
USER node
ENTRYPOINT ["node", "bin/acs-d365.js"]
CMD ["worker", "--config", "/config/acs-d365.yaml"]
