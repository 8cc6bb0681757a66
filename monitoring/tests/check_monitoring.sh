#!/usr/bin/env bash
# Checks the monitoring/ folder with the real tools: promtool (config, rules, rule unit tests)
# and amtool (config, templates, and where every alert is routed).
# Usage: check_monitoring.sh <monitoring dir>
set -euo pipefail
dir=${1:?usage: check_monitoring.sh <monitoring dir>}
cd "$dir"
fail=0
step() { printf '\n== %s\n' "$*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

step "promtool check config prometheus.yml"
# The /metrics token file exists only inside the container (entrypoint.sh writes it): check a
# copy that points at a stand-in, so every other file reference is still checked.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'stand-in-token' >"$work/metrics_token"
grep -q 'credentials_file: /prometheus-secrets/metrics_token' prometheus.yml \
  || bad "prometheus.yml does not send the /metrics bearer token"
sed "s#/prometheus-secrets/metrics_token#$work/metrics_token#" prometheus.yml >"$work/prometheus.yml"
cp alert_rules.yml "$work/"
promtool check config "$work/prometheus.yml"
step "the /metrics token reaches Prometheus (entrypoint syntax, compose wiring)"
sh -n prometheus-entrypoint.sh
grep -q '/prometheus-secrets' docker-compose.monitoring.yml || bad "the Prometheus token tmpfs is not mounted"
grep -q 'METRICS_TOKEN: ${METRICS_TOKEN:?' docker-compose.yml || bad "docker-compose.yml does not require METRICS_TOKEN"
step "promtool check rules alert_rules.yml"
promtool check rules alert_rules.yml
step "promtool test rules alert_rules.test.yml"
promtool test rules alert_rules.test.yml
step "amtool check-config alertmanager/alertmanager.yml"
amtool check-config alertmanager/alertmanager.yml
step "amtool template render"
out=$(amtool template render --template.glob='alertmanager/templates/*.tmpl' \
  --template.text='{{ template "slack.codecouncil.title" . }}|{{ template "slack.codecouncil.text" . }}')
[[ $out == *"Runbook:"* ]] || bad "the Slack templates did not render: $out"

# Where each alert of alert_rules.yml must end up, with the labels the rule sets.
declare -A expected=(
  [HighErrorRate]="critical-pager|severity=critical"
  [DatabasePoolExhausted]="critical-pager|severity=critical"
  [CodeCouncilDown]="critical-pager|severity=critical"
  [HighLatency]="slack-warnings|severity=warning"
  [HighMemoryUsage]="slack-warnings|severity=warning"
  [TargetDown]="slack-warnings|severity=warning"
  [LowDiskSpace]="slack-critical|severity=critical page=false"
  [HighPaymentFailureRate]="slack-critical|severity=critical page=false"
  [BackupTooOld]="slack-critical|severity=critical page=false"
  [CriticalAuditEvents]="slack-critical|severity=critical page=false"
  [BillingReconcileStopped]="slack-critical|severity=critical page=false"
  [AuditEntriesLost]="slack-critical|severity=critical page=false"
  [AuditSyslogDropping]="slack-warnings|severity=warning"
  [EventHandlerFailures]="slack-warnings|severity=warning"
  [DatabasePoolWaitTimeouts]="critical-pager|severity=critical"
  [DatabasePoolSlowWaits]="slack-warnings|severity=warning"
  [PasswordGuessing]="slack-warnings|severity=warning"
  [SignupFlood]="slack-warnings|severity=warning"
  [AvailabilitySLOFastBurn]="critical-pager|severity=critical slo=availability"
  [AvailabilitySLOSlowBurn]="critical-pager|severity=critical slo=availability"
  [AvailabilitySLOBudgetBurn]="slack-warnings|severity=warning slo=availability"
  [LatencySLOFastBurn]="critical-pager|severity=critical slo=latency"
  [LatencySLOSlowBurn]="critical-pager|severity=critical slo=latency"
  [LatencySLOBudgetBurn]="slack-warnings|severity=warning slo=latency"
  [StripeWebhookFailing]="slack-critical|severity=critical page=false"
  [StripeWebhookRefused]="slack-warnings|severity=warning"
  [StripeWebhookLagging]="slack-warnings|severity=warning"
  [BillingReconcileDriftFound]="slack-warnings|severity=warning"
  [CreditGrantsFailing]="slack-critical|severity=critical page=false"
  [BackupRestoreDrillFailing]="slack-critical|severity=critical page=false"
)

# The sections of docs/runbooks.md, as the anchors GitHub gives their headings (lower case,
# punctuation dropped, spaces to '-'), outside code fences.
runbooks=../docs/runbooks.md
[ -f "$runbooks" ] || bad "docs/runbooks.md is missing"
mapfile -t runbook_anchors < <(awk '/^```/ {fence=!fence; next} !fence && /^#+ / {sub(/^#+ /, ""); print}' "$runbooks" 2>/dev/null \
  | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9_\n-')

step "every alert has a severity, a summary and a runbook_url whose section exists, and a routing expectation here"
mapfile -t alerts < <(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' alert_rules.yml)
[ ${#alerts[@]} -ge 8 ] || bad "expected at least 8 alerts, found ${#alerts[@]}"
for a in "${alerts[@]}"; do
  block=$(awk -v a="$a" '$0 ~ "- alert: "a"$" {on=1; print; next} on && /- alert:/ {exit} on {print}' alert_rules.yml)
  grep -q 'severity: \(critical\|warning\)$' <<<"$block" || bad "$a has no severity label"
  grep -q 'summary:' <<<"$block" || bad "$a has no summary annotation"
  # runbook_url: docs/runbooks.md#<the alert's name in lower case>, a heading of that file.
  url=$(sed -n 's/^ *runbook_url: *"\(.*\)"$/\1/p' <<<"$block")
  lower=$(tr 'A-Z' 'a-z' <<<"$a")
  if [ "$url" != "docs/runbooks.md#$lower" ]; then
    bad "$a: runbook_url is '${url:-missing}', expected docs/runbooks.md#$lower"
  elif ! printf '%s\n' "${runbook_anchors[@]}" | grep -qx "$lower"; then
    bad "$a: docs/runbooks.md has no section #$lower"
  fi
  [ -n "${expected[$a]:-}" ] || bad "$a is not in this script's routing table"
  # The severity written in the rule must be the one the routing expectation assumes.
  sev=$(sed -n 's/^ *severity: *\([a-z]*\)$/\1/p' <<<"$block" | head -1)
  [[ ${expected[$a]:-} == *"severity=$sev"* ]] || bad "$a: rule says severity=$sev, routing table says ${expected[$a]:-none}"
  if grep -q 'page: "false"' <<<"$block"; then
    [[ ${expected[$a]:-} == *"page=false"* ]] || bad "$a: rule has page=false, routing table does not"
  fi
done
[ ${#alerts[@]} -eq ${#expected[@]} ] || bad "alert_rules.yml has ${#alerts[@]} alerts, the routing table ${#expected[@]}"

step "amtool config routes test"
for a in "${!expected[@]}"; do
  receiver=${expected[$a]%%|*}
  read -r -a labels <<<"${expected[$a]#*|}"
  if amtool config routes test --config.file=alertmanager/alertmanager.yml --verify.receivers="$receiver" \
      alertname="$a" instance=app:5000 "${labels[@]}" >/dev/null 2>&1; then
    echo "ok   $a -> $receiver"
  else
    bad "$a (${labels[*]}) is not routed to $receiver"
  fi
done
# The critical receiver is the one that pages, and it does reach PagerDuty and #critical-alerts.
awk '/- name: critical-pager/ {on=1; next} on && /- name:/ {exit} on {print}' alertmanager/alertmanager.yml \
  >/tmp/cc-critical-receiver.$$
grep -q 'pagerduty_configs' /tmp/cc-critical-receiver.$$ || bad "critical-pager has no PagerDuty config"
grep -q '#critical-alerts' /tmp/cc-critical-receiver.$$ || bad "critical-pager does not post to #critical-alerts"
rm -f /tmp/cc-critical-receiver.$$
grep -A3 -- '- name: slack-warnings' alertmanager/alertmanager.yml | grep -q '#warnings' || bad "warnings do not go to #warnings"
grep -A3 -- '- name: slack-critical' alertmanager/alertmanager.yml | grep -q '#critical-alerts' || bad "slack-critical does not go to #critical-alerts"
if grep -Eq 'hooks\.slack\.com|service_key: ' alertmanager/alertmanager.yml; then bad "a secret is written into alertmanager.yml"; fi

step "Alertmanager starts with Slack only; PagerDuty is optional (render-config.sh)"
sh -n alertmanager/entrypoint.sh
sh -n alertmanager/render-config.sh
rendered="$work/am-slack-only"
if env -u PAGERDUTY_SERVICE_KEY -u PAGERDUTY_SERVICE_KEY_FILE -u SLACK_WEBHOOK_URL_FILE \
    SLACK_WEBHOOK_URL=https://slack.invalid/stand-in sh alertmanager/render-config.sh alertmanager/alertmanager.yml \
    "$rendered" 2>"$work/render.err"; then
  grep -q 'Slack #critical-alerts only' "$work/render.err" || bad "Slack-only start does not say that nothing pages"
  amtool check-config "$rendered/alertmanager.yml" || bad "the Slack-only config does not pass amtool"
  if grep -q 'pagerduty_configs\|service_key_file' "$rendered/alertmanager.yml"; then bad "the Slack-only config still has PagerDuty"; fi
  [ -e "$rendered/pagerduty_service_key" ] && bad "a PagerDuty key file was written without a key"
  [ "$(cat "$rendered/slack_webhook_url")" = https://slack.invalid/stand-in ] || bad "the Slack secret was not written"
  [ "$(stat -c %a "$rendered/slack_webhook_url")" = 600 ] || bad "the Slack secret is not 0600"
  grep -q "slack_api_url_file: $rendered/slack_webhook_url" "$rendered/alertmanager.yml" || bad "the rendered config does not read the written Slack secret"
  # Critical alerts still reach Slack #critical-alerts through the critical receiver.
  amtool config routes test --config.file="$rendered/alertmanager.yml" --verify.receivers=critical-pager \
    alertname=HighErrorRate instance=app:5000 severity=critical >/dev/null || bad "Slack-only: critical alerts are not routed"
else
  bad "render-config.sh failed with only SLACK_WEBHOOK_URL: $(cat "$work/render.err")"
fi
paged="$work/am-paged"
printf 'stand-in-pagerduty-key' >"$work/pd_key"
SLACK_WEBHOOK_URL=https://slack.invalid/stand-in PAGERDUTY_SERVICE_KEY_FILE="$work/pd_key" \
  sh alertmanager/render-config.sh alertmanager/alertmanager.yml "$paged" 2>/dev/null || bad "render-config.sh failed with PagerDuty"
amtool check-config "$paged/alertmanager.yml" || bad "the config with PagerDuty does not pass amtool"
grep -q "service_key_file: $paged/pagerduty_service_key" "$paged/alertmanager.yml" || bad "PagerDuty is not configured when its key is given"
cmp -s "$work/pd_key" "$paged/pagerduty_service_key" || bad "the PagerDuty key file was not copied"
if env -u SLACK_WEBHOOK_URL -u SLACK_WEBHOOK_URL_FILE sh alertmanager/render-config.sh alertmanager/alertmanager.yml \
    "$work/am-none" 2>"$work/render.err"; then
  bad "render-config.sh started without a Slack webhook"
fi
grep -q 'set SLACK_WEBHOOK_URL' "$work/render.err" || bad "no Slack webhook: the error does not say what to set"

step "result"
if [ $fail -ne 0 ]; then echo "monitoring checks FAILED"; exit 1; fi
echo "monitoring checks passed"
