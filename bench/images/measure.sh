#!/usr/bin/env bash
# Image figures for docs/performance.md (section "Images and inner loop"): never run by tests.
#
# 1. Size: builds every image whose bundle exists (dist/apps/<app>/, from `npx nx build <app>`) on the local base
#    image (scripts/make-base-image) and prints its size, the bytes and layers it adds over the base, and the
#    non-empty layers themselves. Floor: under 10 MB added per image.
# 2. Rebuild: the part of the inner loop we control, from a one-line source change to a rebuilt image, i.e.
#    `nx build <app>` (an Nx cache miss) plus `podman build`. It runs in a scratch copy of the repository
#    (node_modules linked, not copied), so it never edits the work tree; each round changes one line of the app's
#    src/main.ts to a new value that survives bundling. Floor: under 10 s.
#
# Usage: bench/images/measure.sh [--app APP] [--rounds N]      (defaults: backend, 5)
# Needs podman and jq (and debootstrap, as root, if the base image does not exist yet).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
app=backend
rounds=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --app)
      app="${2:?--app needs a value}"
      shift
      ;;
    --rounds)
      rounds="${2:?--rounds needs a value}"
      shift
      ;;
    *)
      echo "measure.sh: unknown argument '$1' (usage: --app APP --rounds N)" >&2
      exit 2
      ;;
  esac
  shift
done
command -v podman >/dev/null 2>&1 || {
  echo "measure.sh: podman is not installed (apt-get install -y podman buildah runc debootstrap)" >&2
  exit 1
}

base="${ZTMESH_BASE_IMAGE:-$("$root/scripts/make-base-image" | tail -n1)}"
base_size="$(podman image inspect --format '{{.Size}}' "$base")"
base_layers="$(podman image inspect --format '{{len .RootFS.Layers}}' "$base")"
build_flags=(--pull=never --isolation=chroot --build-arg "BASE_IMAGE=$base")
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); node $(node -v);" \
  "podman $(podman --version | awk '{print $3}'); nx $(cd "$root" && npx nx --version 2>/dev/null | awk '/Local/ {print $NF}')"
echo "# base: $base, $(awk -v s="$base_size" 'BEGIN { printf "%.1f", s / 1e6 }') MB, $base_layers layer(s)"
echo
echo "## Image size"
printf '%-9s %10s %10s %12s  %s\n' app image_MB added_MB added_layers "non-empty layers added (podman history)"
for candidate in backend frontend loadtest ztctl; do
  if [[ ! -f "$root/dist/apps/$candidate/main.cjs" ]]; then
    printf '%-9s %s\n' "$candidate" "no bundle (npx nx build $candidate): not measured"
    continue
  fi
  image="localhost/ztmesh/$candidate:bench"
  previous_id="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  (cd "$root" && podman build "${build_flags[@]}" --build-arg "APP=$candidate" -f apps/Dockerfile -t "$image" . >/dev/null)
  if [[ -n "$previous_id" && "$previous_id" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman rmi "$previous_id" >/dev/null 2>&1 || true
  fi
  size="$(podman image inspect --format '{{.Size}}' "$image")"
  layers="$(podman image inspect --format '{{len .RootFS.Layers}}' "$image")"
  # History rows newest first; the rows above the base's are this image's own instructions.
  own_rows=$(($(podman history -q "$image" | wc -l) - $(podman history -q "$base" | wc -l)))
  added_list="$(podman history --format json "$image" | jq -r --argjson n "$own_rows" \
    '[.[:$n][] | select(.size > 0) | "\(.size / 1e4 | round / 100) MB \(.CreatedBy | sub("^/bin/sh -c #\\(nop\\) "; "") | .[0:40])"] | join("; ")')"
  printf '%-9s %10.1f %10.2f %12d  %s\n' "$candidate" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" \
    "$(awk -v s="$size" -v b="$base_size" 'BEGIN { print (s - b) / 1e6 }')" "$((layers - base_layers))" "$added_list"
done

echo
echo "## Rebuild after a one-line change to apps/$app/src/main.ts ($rounds rounds, scratch copy)"
scratch="$(mktemp -d /tmp/ztmesh-bench-images.XXXXXX)"
trap '(cd "$scratch" && npx nx daemon --stop >/dev/null 2>&1) || true; rm -rf "$scratch"' EXIT
tar -C "$root" --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./.nx --exclude='*/node_modules' \
  --exclude='*/out-tsc' -cf - . | tar -C "$scratch" -xf -
ln -s "$root/node_modules" "$scratch/node_modules"
main="$scratch/apps/$app/src/main.ts"
[[ -f "$main" ]] || {
  echo "measure.sh: $main not found" >&2
  exit 1
}
cp "$main" "$main.orig"
image="localhost/ztmesh/$app:bench-rebuild"
# As scripts/build-image runs it: the local nx binary, plugins in-process (NX_ISOLATE_PLUGINS=false), the Nx daemon
# on unless NX_DAEMON=false (as in CI).
build_once() {
  (cd "$scratch" && NX_ISOLATE_PLUGINS="${NX_ISOLATE_PLUGINS:-false}" "$root/node_modules/.bin/nx" build "$app" \
    --outputStyle=static >/dev/null 2>&1)
}
built_ids=()
image_once() {
  built_ids+=("$(cd "$scratch" && podman build -q "${build_flags[@]}" --build-arg "APP=$app" -f apps/Dockerfile -t "$image" .)")
}
# Warm-up: fills the scratch copy's Nx cache and podman's layer cache, as a running inner loop has them.
build_once
image_once
# Wall time is what a developer waits; CPU time (user + sys of all child processes) shows how much of it is work
# rather than waiting for a core, which matters on a shared machine (the load average is printed per round).
echo "NX_DAEMON=${NX_DAEMON:-(unset: daemon on)} NX_ISOLATE_PLUGINS=${NX_ISOLATE_PLUGINS:-false}"
printf '%-6s %8s %10s %8s %10s %14s %8s\n' round nx_s podman_s total_s nx_cpu_s podman_cpu_s load1
totals=()
cpu_seconds() { awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat; }
cpu_elapsed() { awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }'; }
for round in $(seq 1 "$rounds"); do
  cp "$main.orig" "$main"
  # A side effect esbuild keeps: the bundle, and so the image layer, really changes each round.
  echo "(globalThis as Record<string, unknown>).ztmeshBenchRound = '$round-$RANDOM';" >>"$main"
  load="$(awk '{ print $1 }' /proc/loadavg)"
  c0="$(cpu_seconds)"
  t0="$(now)"
  build_once
  t1="$(now)"
  c1="$(cpu_seconds)"
  image_once
  t2="$(now)"
  c2="$(cpu_seconds)"
  totals+=("$(elapsed "$t0" "$t2")")
  printf '%-6s %8s %10s %8s %10s %14s %8s\n' "$round" "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" \
    "$(elapsed "$t0" "$t2")" "$(cpu_elapsed "$c0" "$c1")" "$(cpu_elapsed "$c1" "$c2")" "$load"
done
printf '%s\n' "${totals[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  printf "rebuild total: min %.2f s, median %.2f s, max %.2f s (floor: < 10 s)\n", v[1], v[int((NR + 1) / 2)], v[NR] }'
# Every round's image (each has a new bundle layer) goes; the size images (:bench) stay for inspection.
podman rmi --force "${built_ids[@]}" >/dev/null 2>&1 || true
