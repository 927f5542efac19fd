# syntax=docker/dockerfile:1
# gongops: build with every dependency, run with production ones only, as a non-root user, with the
# SQLite database on a volume.

FROM node:22-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# The build script, and bin/dist.js with which it stamps dist/ as the build of these sources.
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN npm run build

FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    GONGOPS_DB_PATH=/data/gongops.db \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the compiler is removed again in the same layer. They include the trend
# chart's renderer (@resvg/resvg-js, a prebuilt binary for glibc) and its font (dejavu-fonts-ttf): the image
# needs no system fonts, and draws the chart exactly as a developer's machine does.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && apt-get purge -y python3 make g++ \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
COPY bin ./bin
COPY manifest.yml ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Alive, nothing more (GET /ready says whether Slack and the database are there too). Node's fetch, so
# no curl in the image. /health answers on PORT and on GONGOPS_METRICS_ADDR's port (when it is set to
# loopback or every interface); Socket Mode serves it only there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const a=process.env.GONGOPS_METRICS_ADDR;fetch('http://127.0.0.1:'+(a?a.slice(a.lastIndexOf(':')+1):process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/gongops.js"]
CMD ["start"]
