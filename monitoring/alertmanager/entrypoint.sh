#!/bin/sh
# Writes the Slack webhook URL and the PagerDuty service key into the files alertmanager.yml
# reads, then starts Alertmanager. Each secret comes from NAME_FILE (a file, e.g. a Docker
# secret) or from NAME (the environment, e.g. .env); the value is never printed.
set -eu

secrets_dir=/alertmanager-secrets
mkdir -p "$secrets_dir"
chmod 700 "$secrets_dir" 2>/dev/null || true

write_secret() { # write_secret VAR FILE
  var=$1
  target=$secrets_dir/$2
  eval "file=\${${var}_FILE:-}"
  eval "value=\${${var}:-}"
  umask 077
  if [ -n "$file" ]; then
    [ -r "$file" ] || { echo "alertmanager: ${var}_FILE points at an unreadable file" >&2; exit 1; }
    cp "$file" "$target"
  elif [ -n "$value" ]; then
    printf '%s' "$value" > "$target"
  else
    echo "alertmanager: set $var or ${var}_FILE (see docs/monitoring.md)" >&2
    exit 1
  fi
}

write_secret SLACK_WEBHOOK_URL slack_webhook_url
write_secret PAGERDUTY_SERVICE_KEY pagerduty_service_key

exec /bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml \
  --storage.path=/alertmanager "$@"
