#!/usr/bin/env bash
# Copies the pinned graph library into the node's resources. The copy is committed, so building Tandem needs no
# network; run this only to change the pinned version (edit package.json, `npm install --package-lock-only`, run this).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
out=../src/main/resources/dashboard/vendor
mkdir -p "$out"
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/cytoscape.min.js"
cp node_modules/cytoscape/LICENSE "$out/cytoscape.LICENSE"
echo "vendored cytoscape $(node -p 'require("./node_modules/cytoscape/package.json").version') into $out"
