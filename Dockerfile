# syntax=docker/dockerfile:1
# Build stage: better-sqlite3 compiles its native addon here (python3, make, g++).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

# Runtime stage: no compilers, runs as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_PATH=/data/soc2-bot.sqlite \
    PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), so in-flight fixes finish before exit.
CMD ["node", "bin/soc2-bot.js", "start"]
