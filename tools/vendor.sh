#!/usr/bin/env bash
# Re-create src/accord/web/static/vendor/ from pinned npm packages.
#
# Usage:
#   tools/vendor.sh           # (re)write the vendored files
#   tools/vendor.sh --check   # fetch into a temp dir and diff against the repo;
#                             # exit 1 if anything differs
#
# Needs: bash, node + npm (the npm registry only; no CDN). Every tarball is
# fetched with `npm pack` into a temporary directory, checked against the
# pinned sha512 integrity below, unpacked there, and only the listed files
# are copied. Nothing (node_modules, tarballs) is left in the repository.
#
# To upgrade: change the version AND the integrity (from
# `npm view <name>@<version> dist.integrity`), run this script, update the
# table in src/accord/web/static/vendor/README.md, and re-test the pages.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_REL="src/accord/web/static/vendor"

# name|version|file inside the package|licence file inside the package|sha512 integrity[|extra file]
PACKAGES=(
  "vega|6.4.0|build/vega.min.js|LICENSE|sha512-rHXCq2LpEWCLMjXBEj7hocY9G0/i5TGYRayGGSj06VTF4+l2IG2Z7oeZKCjWbUh/7hTE/mVhbaOPB72wCElh6g=="
  "vega-lite|6.5.0|build/vega-lite.min.js|LICENSE|sha512-fMXF6s0MrIg0UTWnLIfeFtgSLzVhyzSKobzGrh5rhS+mL6FOYFG3m7ouJ4U23gj65EK+gl9FIIT5w7wLNaAzkA=="
  "vega-embed|7.3.0|build/vega-embed.min.js|LICENSE|sha512-wQ8s5GaSzqoKgmRfbRolgBrjE2CP7ZKHXqH7NijxMqPjpdWxSs4Dn8tvp9g0giQvh2cK+3p56sxjWWM0wNngGw=="
  "htmx.org|2.0.11|dist/htmx.min.js|LICENSE|sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
  "modern-normalize|3.0.1|modern-normalize.css|license|sha512-VqlMdYi59Uch6fnUPxnpijWUQe+TW6zeWCvyr6Mb7JibheHzSuAAoJi2c71ZwIaWKpECpGpYHoaaBp6rBRr+/g=="
  # axe-core is loaded only by the accessibility tests (tests/test_accessibility.py)
  "axe-core|4.14.1|axe.min.js|LICENSE|sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==|LICENSE-3RD-PARTY.txt"
)

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vendor.sh: '$tool' not found" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Build the complete vendor tree in $tmp/out, then install or compare it.
out="$tmp/out"
mkdir -p "$out"

for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r name version file license integrity extra <<<"$entry"
  work="$tmp/pkg-$name"
  mkdir -p "$work/unpacked"

  # Run npm from inside the temp dir so no project config or package.json applies.
  tarball="$(cd "$work" && npm pack --silent --ignore-scripts "$name@$version")"
  tarball="$work/$(tail -n 1 <<<"$tarball")"
  [[ -f "$tarball" ]] || { echo "vendor.sh: npm pack produced no tarball for $name@$version" >&2; exit 1; }

  actual="sha512-$(node -e '
    const fs = require("fs"), c = require("crypto");
    process.stdout.write(c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
  ' "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "vendor.sh: integrity mismatch for $name@$version" >&2
    echo "  expected $integrity" >&2
    echo "  got      $actual" >&2
    exit 1
  fi

  tar -xzf "$tarball" -C "$work/unpacked"
  pkg="$work/unpacked/package"
  got_version="$(node -p 'require(process.argv[1]).version' "$pkg/package.json")"
  [[ "$got_version" == "$version" ]] || { echo "vendor.sh: $name: expected $version, tarball says $got_version" >&2; exit 1; }

  mkdir -p "$out/$name"
  cp "$pkg/$file" "$out/$name/$(basename "$file")"
  cp "$pkg/$license" "$out/$name/LICENSE"
  if [[ -n "${extra:-}" ]]; then cp "$pkg/$extra" "$out/$name/$(basename "$extra")"; fi
  echo "vendor.sh: $name@$version -> $VENDOR_REL/$name/$(basename "$file")" >&2
done

# Checksums of everything vendored (README.md is hand-written and not listed).
(cd "$out" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum) >"$tmp/SHA256SUMS"
mv "$tmp/SHA256SUMS" "$out/SHA256SUMS"

dest="$ROOT/$VENDOR_REL"
if (( check )); then
  status=0
  for entry in "${PACKAGES[@]}"; do
    IFS='|' read -r name _ <<<"$entry"
    diff -r "$out/$name" "$dest/$name" || status=1
  done
  diff "$out/SHA256SUMS" "$dest/SHA256SUMS" || status=1
  if (( status )); then
    echo "vendor.sh: $VENDOR_REL differs from the pinned packages" >&2
  else
    echo "vendor.sh: $VENDOR_REL matches the pinned packages" >&2
  fi
  exit "$status"
fi

mkdir -p "$dest"
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r name _ <<<"$entry"
  rm -rf "${dest:?}/$name"
  cp -R "$out/$name" "$dest/$name"
done
cp "$out/SHA256SUMS" "$dest/SHA256SUMS"
echo "vendor.sh: wrote $VENDOR_REL ($(du -sh "$dest" | cut -f1))" >&2
