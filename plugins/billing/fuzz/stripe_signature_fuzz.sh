# Sourced by tests/fuzz/run.sh (it defines `build`, $src and $work): the Stripe-Signature check.
# shellcheck shell=bash
build stripe_signature_fuzz "$src/plugins/billing/fuzz/stripe_signature_fuzz.cpp" \
  "$src/plugins/billing/src/webhook_signature.cpp" -- -lcrypto
