#!/usr/bin/env bash
# Fetches the upstream schemas `ztctl validate` checks against (Istio and Calico CRDs, the Skaffold v4beta14
# JSON Schema) into a local cache, at the commits /work/shared/schemas/SOURCE.md records, for machines that have
# internet but not the shared schemas directory. Then: `ztctl validate --schemas <cache dir>`.
#
# Usage: libs/manifests/fetch-schemas.sh [DIR]     (default DIR: ${XDG_CACHE_HOME:-~/.cache}/ztmesh/schemas)
# Environment: SKAFFOLD_REF, CALICO_REF, ISTIO_REF override the pinned commits (full SHAs or tags).
# Not run by any test: the development machines and CI have no internet (the shared directory serves them).
set -euo pipefail

dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/ztmesh/schemas}"
skaffold_ref="${SKAFFOLD_REF:-359a940c1b26}"
calico_ref="${CALICO_REF:-87c15906f20c}"
istio_ref="${ISTIO_REF:-86c9f01fd735}"
raw="https://raw.githubusercontent.com"

fetch() { # url file
  echo "fetch-schemas: $2" >&2
  curl --fail --silent --show-error --location --retry 3 --output "$2.tmp" "$1"
  mv "$2.tmp" "$2"
}

mkdir -p "$dir/calico" "$dir/istio"
fetch "$raw/GoogleContainerTools/skaffold/$skaffold_ref/docs-v2/content/en/schemas/v4beta14.json" \
  "$dir/skaffold-v4beta14.json"
for kind in globalnetworkpolicies globalnetworksets networkpolicies networksets stagedglobalnetworkpolicies \
  stagednetworkpolicies tiers; do
  fetch "$raw/projectcalico/calico/$calico_ref/api/config/crd/projectcalico.org_$kind.yaml" \
    "$dir/calico/projectcalico.org_$kind.yaml"
done
fetch "$raw/istio/istio/$istio_ref/manifests/charts/base/files/crd-all.gen.yaml" "$dir/istio/crd-all.gen.yaml"
echo "$dir"
