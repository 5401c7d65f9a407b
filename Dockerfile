# Porch's signaling server and client. Not exercised by the tests; its commands are the tested ones
# (npm ci, node build.mjs, node dist/server.js). See the README, "Deployment".
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN node build.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# DATA_DIR: where a single node keeps rooms' snapshots (unused with REDIS_URL); a volume keeps them
# when the container is replaced.
RUN mkdir data && chown node:node data
VOLUME /app/data
USER node
EXPOSE 8080
# SIGTERM tells clients to reconnect elsewhere and exits within 3 s.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
