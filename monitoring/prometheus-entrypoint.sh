#!/bin/sh
# Writes the codecouncil /metrics bearer token into the file prometheus.yml reads
# (authorization.credentials_file), then starts Prometheus with the compose file's arguments.
# The token comes from METRICS_TOKEN_FILE (a file, e.g. a Docker secret) or METRICS_TOKEN;
# it is never printed. Prometheus 2.42 does not expand environment variables in its config.
set -eu

secrets_dir=/prometheus-secrets
mkdir -p "$secrets_dir"
chmod 700 "$secrets_dir" 2>/dev/null || true
umask 077
if [ -n "${METRICS_TOKEN_FILE:-}" ]; then
  [ -r "$METRICS_TOKEN_FILE" ] || { echo "prometheus: METRICS_TOKEN_FILE points at an unreadable file" >&2; exit 1; }
  cp "$METRICS_TOKEN_FILE" "$secrets_dir/metrics_token"
elif [ -n "${METRICS_TOKEN:-}" ]; then
  printf '%s' "$METRICS_TOKEN" > "$secrets_dir/metrics_token"
else
  echo "prometheus: set METRICS_TOKEN or METRICS_TOKEN_FILE (the codecouncil /metrics token, see docs/monitoring.md)" >&2
  exit 1
fi

exec /bin/prometheus "$@"
