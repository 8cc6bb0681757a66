#!/bin/sh
# Renders the config and its secret files into the container's tmpfs (render-config.sh: Slack
# required, PagerDuty optional), then starts Alertmanager on the rendered config.
set -eu

secrets_dir=/alertmanager-secrets
/bin/sh /etc/alertmanager/render-config.sh /etc/alertmanager/alertmanager.yml "$secrets_dir"

exec /bin/alertmanager --config.file="$secrets_dir/alertmanager.yml" \
  --storage.path=/alertmanager "$@"
