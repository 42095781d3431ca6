# The Nightshift app image (web + workers; the same image runs `npm start` or `npm run worker`).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git bubblewrap ca-certificates python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node bin/nightshift.js build
ENV NODE_ENV=production NIGHTSHIFT_DATA_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
CMD ["node", "bin/nightshift.js", "start"]
