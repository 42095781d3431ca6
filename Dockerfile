# The Nightshift app image (web + workers; the same image runs `npm start` or `npm run worker`).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git bubblewrap ca-certificates python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The web pods of deploy/k8s run as `node` (uid 1000): Next.js writes its cache under .next.
RUN node bin/nightshift.js build && chown -R node:node .next
ENV NODE_ENV=production NIGHTSHIFT_DATA_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
CMD ["node", "bin/nightshift.js", "start"]
