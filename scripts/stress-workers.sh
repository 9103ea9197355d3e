#!/usr/bin/env bash
# Runs the tests that involve workers, timers or child processes many times (default 30) while a busy loop keeps every
# core loaded, and reports how many runs failed: a flaky test is a defect. Build first (`pnpm build`): the worker and
# process tests run dist/.
#   scripts/stress-workers.sh [runs=30] [suite ...]
# Suites (default: pool and workers): pool = backend-node's worker-thread pool and process tests, workers = the Web
# Worker pool core, zoo = the download tests (local HTTP servers, timers), cli = the CLI run as a process, concepts =
# concept mining on worker threads and a mining process killed and resumed, queue = concept mining through Redis with
# worker processes, one killed mid-shard (needs redis-server).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
shift || true
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(pool workers)

declare -A cmd=(
  [pool]="cd packages/backend-node && npx vitest run test/pool.test.ts test/process.test.ts"
  [workers]="cd packages/workers && npx vitest run"
  [zoo]="cd packages/zoo && npx vitest run test/node.test.ts"
  [cli]="cd packages/cli && npx vitest run"
  [concepts]="cd packages/concepts && npx vitest run test/store.test.ts"
  [queue]="cd packages/cli && npx vitest run test/concepts-queue.test.ts"
)

busy=()
for _ in $(seq "$(nproc)"); do
  node -e 'for (;;) {}' &
  busy+=($!)
done
trap 'kill "${busy[@]}" 2>/dev/null' EXIT

logs=$(mktemp -d)
failed=0
for i in $(seq "$runs"); do
  for suite in "${suites[@]}"; do
    if ! (eval "${cmd[$suite]}") >"$logs/$suite-$i.log" 2>&1; then
      failed=$((failed + 1))
      echo "run $i: $suite FAILED (log: $logs/$suite-$i.log)"
      sed 's/\x1b\[[0-9;]*m//g' "$logs/$suite-$i.log" | grep -E -A 12 ' FAIL ' | head -40
    fi
  done
  echo "run $i/$runs done ($failed failures so far)"
done
echo "$((runs * ${#suites[@]})) suite runs under load ($(nproc) busy loops): $failed failed"
[ "$failed" -eq 0 ]
