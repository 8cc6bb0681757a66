#!/bin/sh
# Writes the Alertmanager config to run, and the secret files it reads (docs/monitoring.md):
#   render-config.sh <alertmanager.yml> <output folder>
# Slack is required: SLACK_WEBHOOK_URL, or SLACK_WEBHOOK_URL_FILE (a file, e.g. a Docker secret).
# PagerDuty is optional: with PAGERDUTY_SERVICE_KEY (or _FILE) critical alerts also page; without,
# the block between "# pagerduty: begin" and "# pagerduty: end" is left out and critical alerts
# go to Slack #critical-alerts only. Secret values are never printed. POSIX sh (busybox in the
# prom/alertmanager image).
set -eu
source_config=${1:?usage: render-config.sh <alertmanager.yml> <output folder>}
out=${2:?usage: render-config.sh <alertmanager.yml> <output folder>}
source_dir=$(cd "$(dirname "$source_config")" && pwd)

umask 077
mkdir -p "$out"
chmod 700 "$out" 2>/dev/null || true

# write_secret VAR FILE: from VAR_FILE or VAR into <out>/FILE; status 1 when neither is set.
write_secret() {
  var=$1
  target=$out/$2
  eval "file=\${${var}_FILE:-}"
  eval "value=\${${var}:-}"
  if [ -n "$file" ]; then
    [ -r "$file" ] || { echo "alertmanager: ${var}_FILE points at an unreadable file" >&2; exit 1; }
    cp "$file" "$target"
  elif [ -n "$value" ]; then
    printf '%s' "$value" >"$target"
  else
    return 1
  fi
}

if ! write_secret SLACK_WEBHOOK_URL slack_webhook_url; then
  echo "alertmanager: set SLACK_WEBHOOK_URL or SLACK_WEBHOOK_URL_FILE (see docs/monitoring.md)" >&2
  exit 1
fi
pagerduty='/# pagerduty: begin/d; /# pagerduty: end/d'  # keep the block, drop the markers
if ! write_secret PAGERDUTY_SERVICE_KEY pagerduty_service_key; then
  rm -f "$out/pagerduty_service_key"
  pagerduty='/# pagerduty: begin/,/# pagerduty: end/d'
  echo "alertmanager: PAGERDUTY_SERVICE_KEY is not set: critical alerts go to Slack #critical-alerts only" >&2
fi

# Secret files and templates by absolute path: the config no longer sits beside templates/.
sed -e "$pagerduty" \
    -e "s#/alertmanager-secrets/#$out/#g" \
    -e "s#^  - templates/#  - $source_dir/templates/#" \
    "$source_config" >"$out/alertmanager.yml.new"
mv "$out/alertmanager.yml.new" "$out/alertmanager.yml"
