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
ENV NODE_ENV=production LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config/example.yaml config/acs-d365.schema.json ./config/
USER node
ENTRYPOINT ["node", "bin/acs-d365.js"]
CMD ["worker", "--config", "/config/acs-d365.yaml"]
