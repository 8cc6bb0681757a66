#!/usr/bin/env bash
# The SDK's `{}` logger formatting is checked while compiling (sdk/include/codecouncil/sdk/log.hpp):
# good.cpp must compile, and every other snippet in log_format/ must fail to compile with the
# reason its name gives (the compiler's error names the check that failed).
# usage: log_format_compile_test.sh <c++ compiler> <sdk include dir>
set -euo pipefail
cxx="$1" include="$2"
here="$(cd "$(dirname "$0")/log_format" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
compile() { "$cxx" -std=c++20 -fsyntax-only -I "$include" "$here/$1" >"$work/out" 2>&1; }

compile good.cpp || { echo "good.cpp must compile:"; cat "$work/out"; exit 1; }
"$cxx" -std=c++20 -I "$include" "$here/good.cpp" -o "$work/good" -lPocoFoundation
"$work/good"  # and format what it is given

failed=0
expect_error() {  # <snippet> <text the error must contain>
  if compile "$1"; then
    echo "FAIL: $1 compiled; a wrong format must not"; failed=1
  elif ! grep -q -- "$2" "$work/out"; then
    echo "FAIL: $1 failed to compile, but not with '$2':"; head -20 "$work/out"; failed=1
  else
    echo "ok: $1 refused ($2)"
  fi
}
expect_error too_few_arguments.cpp format_string_has_more_placeholders_than_arguments
expect_error too_many_arguments.cpp format_string_has_more_arguments_than_placeholders
expect_error printf_conversion.cpp format_string_has_more_arguments_than_placeholders
expect_error stray_brace.cpp format_string_has_a_brace_that_is_not_a_placeholder
expect_error no_text_form.cpp "this argument type has no text form"
expect_error runtime_format_string.cpp "not usable in a constant expression"
exit "$failed"
