#!/usr/bin/env bash
# Installs the adapter's pinned dependencies (package-lock.json) into
# adapters/js-sdk/node_modules. Needs Node >= 20 and npm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node -e 'const p=require("path"),fs=require("fs");const f=p.join(p.dirname(require.resolve("cloudevents")),"..","package.json");console.log("js-sdk adapter: cloudevents "+JSON.parse(fs.readFileSync(f,"utf8")).version+" with node "+process.version)'
