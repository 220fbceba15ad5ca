# olares-mcp for remote mode (serve --http), as the deploy/olares chart runs it.
# Build: docker build -t ghcr.io/olares-mcp/olares-mcp:$(node -p "require('./package.json').version") .

# Build stage: the full dev install, because the bundle (dist/) is built from devDependencies.
FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Production dependencies only. @napi-rs/keyring is optional at run time: remote mode keeps
# tokens in the encrypted-file store or the shared store, never in an OS keychain.
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The image's own unprivileged user (uid 1000), the one the chart's securityContext names.
USER node
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/cli.js", "serve", "--http", "--host", "0.0.0.0"]
