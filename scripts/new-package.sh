#!/usr/bin/env bash
# Scaffolds packages/<folder> as @xai-ts/<name>: package.json, tsconfigs, vitest config and test setup.
# usage: scripts/new-package.sh <folder> <name> "<description>" [workspace deps...]
set -euo pipefail
folder=$1 name=$2 desc=$3
shift 3
dir="$(dirname "$0")/../packages/$folder"
mkdir -p "$dir/src" "$dir/test"
deps=""
for d in "$@"; do deps="$deps\"@xai-ts/$d\": \"workspace:^\","; done
deps="${deps%,}"
cat > "$dir/package.json" <<JSON
{
  "name": "@xai-ts/$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@xai-ts/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "src"],
  "keywords": ["xai", "explainable-ai", "tensorflowjs", "lrp", "interpretability"],
  "repository": { "type": "git", "url": "git+https://github.com/xai-ts/xai-ts.git", "directory": "packages/$folder" },
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "test": "vitest run",
    "pkgcheck": "publint --strict && attw --pack . --profile esm-only"
  },
  "dependencies": { $deps },
  "peerDependencies": { "@tensorflow/tfjs": "^4.22.0" },
  "devDependencies": { "@tensorflow/tfjs": "4.22.0" }
}
JSON
cp "$(dirname "$0")/../packages/xai-base/tsconfig.json" "$(dirname "$0")/../packages/xai-base/tsconfig.build.json" \
  "$(dirname "$0")/../packages/xai-base/vitest.config.ts" "$dir/"
cp "$(dirname "$0")/../packages/xai-base/test/setup.ts" "$dir/test/"
echo "created $dir"
