#!/usr/bin/env bash
# The HTTP pipeline (core/http/*) must not include a libpq header, directly or through another
# header: it handles every request and should not depend on one engine's client library.
# Compiles each file with -H (the include tree) and fails on libpq's headers.
# usage: http_includes_no_libpq_test.sh <c++ compiler> <source dir>
set -euo pipefail
shopt -s nullglob
cxx="$1" src="$2"
failed=0
for f in "$src"/core/http/*.cpp "$src"/core/http/*.hpp; do
  tree="$("$cxx" -std=c++20 -H -fsyntax-only -x c++ -I "$src" -I "$src/sdk/include" -DBOOST_DLL_USE_STD_FS \
    -DCODECOUNCIL_VERSION='"test"' "$f" 2>&1 >/dev/null)" || { echo "FAIL: $f does not compile alone:"; \
    echo "$tree" | grep -v '^\.' | head -20; failed=1; continue; }
  if pq="$(grep -E '^\.+ .*(libpq-fe\.h|libpq/|postgresql/|pg_config)' <<<"$tree")"; then
    echo "FAIL: $f includes libpq:"; echo "$pq"; failed=1
  else
    echo "ok: $(basename "$f")"
  fi
done
exit "$failed"
