// CodeCouncil admin dashboard: a small single-page app over the admin API.
// No framework; every value from the server is put in the page with textContent, never as HTML.
(function () {
  'use strict';

  const TOKEN_KEY = 'codecouncil.admin.token';
  const EMAIL_KEY = 'codecouncil.admin.email';
  const PAGE_SIZE = 25;
  // The URL's filters of each list, which its export takes too (never limit/offset).
  const USER_FILTERS = ['search', 'status', 'tier', 'suspended'];
  const AUDIT_FILTERS = ['userId', 'action', 'severity', 'resourceType', 'from', 'to'];
  const charts = [];

  // ---- small helpers -------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);
  const number = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
  const money = (cents) =>
    (Number(cents || 0) / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });

  function when(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  const day = (iso) => (iso ? String(iso).slice(0, 10) : '—');
  const badge = (text, kind) => el('span', { class: 'badge ' + (kind || text || ''), text: text || '—' });

  function table(headers, rows, emptyText) {
    const head = el('tr', {}, headers.map((h) => el('th', { class: h.num ? 'num' : '', text: h.label || h })));
    const body = rows.length
      ? rows
      : [el('tr', {}, el('td', { class: 'empty', colspan: String(headers.length), text: emptyText || 'Nothing yet.' }))];
    return el('table', {}, el('thead', {}, head), el('tbody', {}, body));
  }

  function panel(title, ...content) {
    return el('section', { class: 'panel' }, title ? el('h3', { text: title }) : null, ...content);
  }

  // ---- API access ----------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;  // seconds, from a 429's body; null otherwise
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && data.error) || `The server answered ${response.status}.`;
      const retryAfter = data && Number.isInteger(data.retryAfter) ? data.retryAfter : null;
      throw new ApiError(response.status, message, retryAfter);
    }
    return data;
  }

  // Turns an API error into words for the operator; a lost session goes back to sign-in.
  function explain(error) {
    if (error.status === 401) {
      signOut('Your session has ended. Please sign in again.');
      return null;
    }
    if (error.status === 403 && /suspended/.test(error.message)) {
      signOut('This account is suspended.');
      return null;
    }
    if (error.status === 403) return 'This account is not an administrator.';
    if (error.status >= 500) return `The server had a problem (${error.message}). Try again in a moment.`;
    return error.message;
  }

  function showBanner(message, ok) {
    const banner = $('banner');
    banner.replaceChildren(
      el('span', { text: message }),
      el('button', { type: 'button', class: 'link', text: 'Dismiss', onclick: () => (banner.hidden = true) })
    );
    banner.className = 'banner' + (ok ? ' ok' : '');
    banner.hidden = false;
  }

  function showError(error) {
    const message = explain(error);
    if (message) showBanner(message, false);
  }

  function showNotes(notes) {
    const box = $('notes');
    if (!notes || !notes.length) {
      box.hidden = true;
      return;
    }
    box.replaceChildren(el('ul', {}, notes.map((n) => el('li', { text: n }))));
    box.hidden = false;
  }

  // ---- sign-in -------------------------------------------------------------------------

  function showLogin(message) {
    $('app-view').hidden = true;
    $('login-view').hidden = false;
    const error = $('login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('login-email').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EMAIL_KEY);
    showLogin(message);
  }

  // A throttled sign-in (429) says how long to wait, from the server's retryAfter.
  function tooManyAttempts(seconds) {
    if (!seconds) return 'Too many attempts. Wait a moment and try again.';
    const minutes = Math.ceil(seconds / 60);
    const wait = seconds < 60 ? `${seconds} seconds` : minutes === 1 ? '1 minute' : `${minutes} minutes`;
    return `Too many attempts. Try again in ${wait}.`;
  }

  async function signIn(event) {
    event.preventDefault();
    const email = $('login-email').value.trim();
    const password = $('login-password').value;
    if (!email || !password) return showLogin('Enter your email and password.');
    const button = $('login-submit');
    button.disabled = true;
    try {
      const result = await api('POST', '/api/auth/login', { email, password });
      if (!result.user || !result.user.isAdmin) return showLogin('This account is not an administrator.');
      sessionStorage.setItem(TOKEN_KEY, result.token);
      sessionStorage.setItem(EMAIL_KEY, result.user.email);
      $('login-password').value = '';
      startApp();
    } catch (e) {
      if (e.status === 401) showLogin('The email or password is not correct.');
      else if (e.status === 403) showLogin('This account is suspended.');
      else if (e.status === 429) showLogin(tooManyAttempts(e.retryAfter));
      else showLogin(e.message);
    } finally {
      button.disabled = false;
    }
  }

  // ---- pages ---------------------------------------------------------------------------

  function destroyCharts() {
    while (charts.length) charts.pop().destroy();
  }

  function lineChart(canvas, series, label, color) {
    if (!window.Chart) return;
    charts.push(
      new window.Chart(canvas, {
        type: 'bar',
        data: {
          labels: series.map((p) => p.date.slice(5)),
          datasets: [{ label, data: series.map((p) => p.count), backgroundColor: color, borderRadius: 3, maxBarThickness: 18 }],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
            y: { beginAtZero: true, ticks: { precision: 0 } },
          },
        },
      })
    );
  }

  function chartPanel(title, series, color) {
    const canvas = el('canvas', { 'aria-label': title, role: 'img' });
    const total = series.reduce((sum, p) => sum + p.count, 0);
    const box = panel(title, el('div', { class: 'muted', text: `${number(total)} in ${series.length} days` }),
      el('div', { class: 'chart-box' }, canvas));
    return { box, draw: () => lineChart(canvas, series, title, color) };
  }

  function card(label, value, sub) {
    return el('div', { class: 'panel card' }, el('div', { class: 'label', text: label }),
      el('div', { class: 'value', text: value }), sub ? el('div', { class: 'sub', text: sub }) : null);
  }

  function userLink(id, email) {
    return el('a', { href: '#/users/' + encodeURIComponent(id), text: email || id });
  }

  // The metadata worth reading (reason, adminId, plan, ...) without the request context that
  // has its own columns; the full JSON is in the tooltip.
  function details(metadata) {
    if (!metadata || typeof metadata !== 'object') return String(metadata ?? '');
    const skip = new Set(['userId', 'ip', 'userAgent', 'requestId', 'source']);
    const entries = Object.entries(metadata).filter(([k]) => !skip.has(k));
    entries.sort(([a], [b]) => (b === 'reason') - (a === 'reason'));  // the why first
    return entries.map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ') || '—';
  }

  const shortId = (id) => (id.length > 14 ? id.slice(0, 8) + '…' : id);
  const plural = (n, one, many) => `${number(n)} ${n === 1 ? one : many}`;

  function auditRows(logs, withUser) {
    return logs.map((log) =>
      el('tr', {},
        el('td', { class: 'mono', text: when(log.createdAt) }),
        el('td', {}, el('strong', { text: log.action })),
        el('td', {}, badge(log.severity)),
        el('td', { title: log.resourceId || '', text: log.resourceType + (log.resourceId ? ' · ' + shortId(log.resourceId) : '') }),
        withUser ? el('td', {}, log.userId ? userLink(log.userId, shortId(log.userId)) : '—') : null,
        el('td', { class: 'details', title: JSON.stringify(log.metadata), text: details(log.metadata) })));
  }

  async function overviewPage(page) {
    const [stats, analytics] = await Promise.all([api('GET', '/api/admin/stats'), api('GET', '/api/admin/analytics')]);
    showNotes([...new Set([...(stats.notes || []), ...(analytics.notes || [])])]);
    const m = stats.metrics;
    const signups = chartPanel('Signups per day', analytics.signupsPerDay, '#3056d3');
    const subs = chartPanel('New subscriptions per day', analytics.subscriptionsPerDay, '#12805c');
    const runs = chartPanel('Analysis runs per day', analytics.analysisRunsPerDay, '#a15c00');

    const revenueRows = analytics.revenueByPlan.map((p) =>
      el('tr', {}, el('td', { text: p.name }), el('td', { class: 'num', text: number(p.activeSubscriptions) }),
        el('td', { class: 'num', text: p.mrrCents === null ? '—' : money(p.mrrCents) })));
    const topRuns = analytics.topUsers.byAnalysisRuns.map((u) =>
      el('tr', {}, el('td', {}, userLink(u.userId, u.email)), el('td', { class: 'num', text: number(u.analysisRuns) })));
    const topCredits = analytics.topUsers.byCreditsSpent.map((u) =>
      el('tr', {}, el('td', {}, userLink(u.userId, u.email)), el('td', { class: 'num', text: number(u.creditsSpent) })));
    const tiers = analytics.auditsByTier.map((t) =>
      el('tr', {}, el('td', {}, badge(t.tier)), el('td', { class: 'num', text: number(t.count) })));
    const recentUsers = stats.recentUsers.map((u) =>
      el('tr', {}, el('td', {}, userLink(u.id, u.email)), el('td', { text: day(u.createdAt) }),
        el('td', {}, u.suspended ? badge('suspended') : badge(u.tier))));
    const tx = analytics.transactionStats;

    page.replaceChildren(
      el('div', { class: 'page-head' }, el('h2', { text: 'Overview' }),
        el('span', { class: 'muted', text: `Last ${analytics.days} days, ${analytics.from} to ${analytics.to} (UTC)` })),
      el('div', { class: 'cards' },
        card('Users', number(m.totalUsers), `${number(m.suspendedUsers)} suspended`),
        card('Active subscriptions', number(m.activeSubscriptions)),
        card('Monthly recurring revenue', money(m.mrrCents)),
        card('Credits spent', number(m.totalCreditsDebitedOrSpent), `${number(m.totalTransactions)} ledger transactions`)),
      el('div', { class: 'grid-3' }, signups.box, subs.box, runs.box),
      el('div', { class: 'grid-3' },
        panel('Revenue by plan (MRR)', table(['Plan', { label: 'Active', num: true }, { label: 'MRR', num: true }], revenueRows,
          'No plans to show.')),
        panel('Top users by analysis runs', table(['User', { label: 'Runs', num: true }], topRuns, 'No analysis runs yet.')),
        panel('Top users by credits spent', table(['User', { label: 'Credits', num: true }], topCredits, 'No credits spent yet.'))),
      el('div', { class: 'grid-3' },
        panel('Audited events by tier', table(['Tier', { label: 'Events', num: true }], tiers),
          el('p', { class: 'muted', text: `Ledger: ${number(tx.creditsGranted)} credits granted, ${number(tx.creditsSpent)} spent.` })),
        panel('Newest users', table(['Email', 'Signed up', 'Tier'], recentUsers, 'No users yet.')),
        panel('Latest audit entries', table(['Time', 'Action', 'Severity'],
          stats.recentAudits.map((log) => el('tr', {}, el('td', { class: 'mono', text: when(log.createdAt) }),
            el('td', { text: log.action }), el('td', {}, badge(log.severity)))), 'No audit entries.'))));
    [signups, subs, runs].forEach((c) => c.draw());
  }

  // Users: search, filters and pages live in the URL (#/users?search=...), so Back works.
  async function usersPage(page, params) {
    const offset = Number(params.get('offset') || 0);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
    for (const key of USER_FILTERS) if (params.get(key)) query.set(key, params.get(key));
    const result = await api('GET', '/api/admin/users?' + query);
    showNotes(result.notes);

    const search = el('input', { type: 'search', name: 'search', placeholder: 'Email or user id', value: params.get('search') || '' });
    const status = select('status', params.get('status'), [['', 'Any subscription'], ['active', 'Active (paid)'], ['none', 'None (free)']]);
    const tier = select('tier', params.get('tier'), [['', 'Any tier'], ['free', 'Free'], ['startup', 'Startup'], ['enterprise', 'Enterprise']]);
    const suspended = select('suspended', params.get('suspended'), [['', 'Any state'], ['false', 'Active accounts'], ['true', 'Suspended']]);
    const form = el('form', { class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      go('#/users', { search: search.value.trim(), status: status.value, tier: tier.value, suspended: suspended.value });
    } },
      el('label', {}, 'Search', search), el('label', {}, 'Subscription', status), el('label', {}, 'Tier', tier),
      el('label', {}, 'Account', suspended), el('button', { type: 'submit', class: 'primary', text: 'Search' }),
      el('button', { id: 'export-csv', type: 'button', text: 'Export CSV', onclick: (e) => exportList(e.target, '/api/admin/users/export', 'csv', params, USER_FILTERS) }));

    const rows = result.users.map((u) =>
      el('tr', { 'data-user-id': u.id },
        el('td', {}, userLink(u.id, u.email), u.isAdmin ? el('span', { class: 'muted', text: ' · admin' }) : null),
        el('td', { text: day(u.createdAt) }),
        el('td', {}, badge(u.tier)),
        el('td', {}, u.subscriptionStatus ? badge(u.subscriptionStatus) : el('span', { class: 'muted', text: 'unknown' }),
          u.plan ? el('span', { class: 'muted', text: ' ' + u.plan }) : null),
        el('td', {}, u.suspended ? badge('suspended') : badge('active', 'ok')),
        el('td', {}, el('a', { href: '#/users/' + encodeURIComponent(u.id), text: 'Open' }))));

    page.replaceChildren(
      el('div', { class: 'page-head' }, el('h2', { text: 'Users' }), el('span', { class: 'muted', text: plural(result.total, 'user', 'users') + ' match' })),
      panel(null, form),
      panel(null, table(['Email', 'Signed up', 'Tier', 'Subscription', 'Account', ''], rows, 'No users match these filters.'),
        pager(result, (newOffset) => go('#/users', { ...Object.fromEntries(params), offset: String(newOffset) }))));
  }

  // A list's export of the filters in the URL (what the list shows), every matching row. A link
  // cannot carry the bearer token, so the file is fetched and handed to the browser as a blob.
  async function exportList(button, path, format, params, filterKeys) {
    const query = new URLSearchParams({ format });
    for (const key of filterKeys) if (params.get(key)) query.set(key, params.get(key));
    button.disabled = true;
    try {
      const response = await fetch(path + '?' + query, {
        headers: { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) } });
      if (!response.ok) {
        let message = `The server answered ${response.status}.`;
        try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
        throw new ApiError(response.status, message, null);
      }
      const name = /filename="([\w.-]+)"/.exec(response.headers.get('Content-Disposition') || '');
      const url = URL.createObjectURL(await response.blob());
      const link = el('a', { href: url, download: name ? name[1] : 'export.' + format, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      showBanner('The export is downloading.', true);
    } catch (err) {
      showError(err instanceof ApiError ? err : new ApiError(0, 'The server cannot be reached. Check your connection and try again.'));
    } finally {
      button.disabled = false;
    }
  }

  function select(name, current, options) {
    return el('select', { name }, options.map(([value, label]) =>
      el('option', { value, selected: (current || '') === value, text: label })));
  }

  function pager(result, move) {
    const first = result.total === 0 ? 0 : result.offset + 1;
    const last = Math.min(result.offset + result.limit, result.total);
    return el('div', { class: 'pager' },
      el('span', { text: `${number(first)}–${number(last)} of ${number(result.total)}` }),
      el('button', { type: 'button', text: '‹ Previous', disabled: result.offset === 0,
        onclick: () => move(Math.max(0, result.offset - result.limit)) }),
      el('button', { type: 'button', text: 'Next ›', disabled: result.offset + result.limit >= result.total,
        onclick: () => move(result.offset + result.limit) }));
  }

  async function userPage(page, id) {
    const data = await api('GET', '/api/admin/users/' + encodeURIComponent(id));
    showNotes(data.notes);
    const u = data.user;
    const sub = data.subscription;
    const me = sessionStorage.getItem(EMAIL_KEY);

    const profile = el('dl', { class: 'profile' },
      el('dt', { text: 'Email' }), el('dd', { text: u.email }),
      el('dt', { text: 'User id' }), el('dd', { class: 'mono', text: u.id }),
      el('dt', { text: 'Signed up' }), el('dd', { text: when(u.createdAt) }),
      el('dt', { text: 'Tier' }), el('dd', {}, badge(u.tier)),
      el('dt', { text: 'Role' }), el('dd', { text: u.isAdmin ? 'Administrator' : 'User' }),
      el('dt', { text: 'Account' }), el('dd', {}, u.suspended ? badge('suspended') : badge('active', 'ok')),
      u.suspended ? [el('dt', { text: 'Suspended' }), el('dd', { text: when(u.suspendedAt) }),
        el('dt', { text: 'Reason' }), el('dd', { id: 'suspended-reason', text: u.suspendedReason || '—' })] : null);

    let action;
    if (u.suspended) {
      action = el('div', { class: 'actions' }, el('button', { id: 'reactivate', type: 'button', class: 'primary', text: 'Reactivate account',
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            await api('POST', '/api/admin/users/' + encodeURIComponent(u.id) + '/reactivate');
            showBanner(`${u.email} can sign in again.`, true);
            route();
          } catch (err) {
            e.target.disabled = false;
            showError(err);
          }
        } }));
    } else if (u.email === me) {
      action = el('p', { class: 'muted', text: 'You cannot suspend your own account.' });
    } else {
      const reason = el('textarea', { id: 'suspend-reason', maxlength: '500', placeholder: 'Reason (shown in the audit log), e.g. Payment fraud' });
      const button = el('button', { id: 'suspend', type: 'submit', class: 'danger', text: 'Suspend account' });
      action = el('form', { class: 'suspend-form', onsubmit: async (e) => {
        e.preventDefault();
        if (!reason.value.trim()) return showBanner('Give a reason for the suspension.', false);
        button.disabled = true;
        try {
          await api('POST', '/api/admin/users/' + encodeURIComponent(u.id) + '/suspend', { reason: reason.value.trim() });
          showBanner(`${u.email} is suspended and is refused from their next request.`, true);
          route();
        } catch (err) {
          button.disabled = false;
          showError(err);
        }
      } }, el('label', { class: 'muted', for: 'suspend-reason', text: 'Suspend this account' }), reason, el('div', { class: 'actions' }, button));
    }

    const subscription = sub
      ? el('dl', { class: 'profile' },
        el('dt', { text: 'Plan' }), el('dd', { text: sub.plan }),
        el('dt', { text: 'Status' }), el('dd', {}, badge(sub.status)),
        el('dt', { text: 'Period' }), el('dd', { text: `${day(sub.currentPeriodStart)} → ${day(sub.currentPeriodEnd)}` }),
        el('dt', { text: 'Cancels' }), el('dd', { text: sub.cancelAtPeriodEnd ? 'at period end' : 'no' }))
      : el('p', { class: 'muted', text: 'No subscription.' });

    const transactions = data.transactions.map((t) =>
      el('tr', {}, el('td', { class: 'mono', text: when(t.createdAt) }), el('td', {}, badge(t.type, t.type === 'debit' ? 'warning' : 'ok')),
        el('td', { class: 'num', text: (t.amount > 0 ? '+' : '') + number(t.amount) }),
        el('td', { class: 'ellipsis', text: t.description || t.reference })));

    page.replaceChildren(
      el('div', { class: 'page-head' }, el('h2', { text: u.email }),
        el('a', { id: 'timeline-link', href: '#/users/' + encodeURIComponent(u.id) + '/timeline', text: 'Timeline ›' }),
        el('a', { href: '#/users', text: '‹ All users' })),
      el('div', { class: 'grid-3' },
        panel('Profile', profile, action),
        panel('Subscription', subscription),
        panel('Credits', el('div', { class: 'card' }, el('div', { class: 'label', text: 'Balance' }),
          el('div', { class: 'value', text: data.credits ? number(data.credits.balance) : '—' })))),
      panel('Transactions', table(['Time', 'Type', { label: 'Amount', num: true }, 'Description'], transactions, 'No transactions.')),
      panel(`Audit history (${number(data.auditLogsTotal)})`,
        table(['Time', 'Action', 'Severity', 'Resource', 'Details'], auditRows(data.auditLogs, false), 'No audit entries.'),
        data.auditLogsTotal > data.auditLogs.length
          ? el('p', {}, el('a', { href: '#/audit?userId=' + encodeURIComponent(u.id), text: 'See all in the audit log ›' }))
          : null));
  }

  // One user's subscription changes, payments, credits, refusals and audit entries, newest
  // first. "Older" follows the server's cursor; the cursor lives in the URL, so Back works.
  async function timelinePage(page, id, params) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (params.get('cursor')) query.set('cursor', params.get('cursor'));
    const [data, result] = await Promise.all([api('GET', '/api/admin/users/' + encodeURIComponent(id)),
      api('GET', '/api/admin/users/' + encodeURIComponent(id) + '/timeline?' + query)]);
    showNotes(result.notes);
    const kindBadge = { subscription: 'ok', payment: 'info', credit: 'startup', rate_limit: 'warning', audit: '' };
    const rows = result.items.map((item) =>
      el('tr', { 'data-kind': item.kind, 'data-key': item.kind + ':' + item.details.id },
        el('td', { class: 'mono', title: item.time, text: when(item.time) }),
        el('td', {}, badge(item.kind.replace('_', ' '), kindBadge[item.kind])),
        el('td', { class: 'summary', text: item.summary }),
        el('td', { class: 'details', title: JSON.stringify(item.details),
          text: item.details.source === 'audit' ? details(item.details.metadata) : (item.details.reference || '') })));
    const self = '#/users/' + encodeURIComponent(id) + '/timeline';
    page.replaceChildren(
      el('div', { class: 'page-head' }, el('h2', { text: 'Timeline of ' + data.user.email }),
        el('a', { href: '#/users/' + encodeURIComponent(id), text: '‹ User' })),
      panel(null, table(['Time', 'Kind', 'What happened', 'Details'], rows, 'Nothing recorded for this user.'),
        el('div', { class: 'pager' },
          el('button', { type: 'button', text: '‹ Newest', disabled: !params.get('cursor'), onclick: () => go(self, {}) }),
          el('button', { id: 'timeline-older', type: 'button', text: 'Older ›', disabled: !result.nextCursor,
            onclick: () => go(self, { cursor: result.nextCursor }) }))));
  }

  async function auditPage(page, params) {
    const offset = Number(params.get('offset') || 0);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
    for (const key of AUDIT_FILTERS) if (params.get(key)) query.set(key, params.get(key));
    const result = await api('GET', '/api/admin/audit-logs?' + query);
    showNotes(result.notes);

    const userId = el('input', { name: 'userId', class: 'wide', placeholder: 'User id', value: params.get('userId') || '' });
    const action = el('input', { name: 'action', placeholder: 'e.g. payment', value: params.get('action') || '' });
    const severity = select('severity', params.get('severity'),
      [['', 'Any severity'], ['info', 'Info'], ['warning', 'Warning'], ['error', 'Error'], ['critical', 'Critical']]);
    const resourceType = select('resourceType', params.get('resourceType'), [['', 'Any resource'],
      ...['user', 'subscription', 'payment', 'analysis', 'admin', 'backup', 'system'].map((r) => [r, r])]);
    const from = el('input', { type: 'date', name: 'from', value: params.get('from') || '' });
    const to = el('input', { type: 'date', name: 'to', value: params.get('to') || '' });
    const form = el('form', { class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      go('#/audit', { userId: userId.value.trim(), action: action.value.trim(), severity: severity.value,
        resourceType: resourceType.value, from: from.value, to: to.value });
    } },
      el('label', {}, 'User', userId), el('label', {}, 'Action', action), el('label', {}, 'Severity', severity),
      el('label', {}, 'Resource', resourceType), el('label', {}, 'From', from), el('label', {}, 'To (before)', to),
      el('button', { type: 'submit', class: 'primary', text: 'Filter' }),
      el('button', { type: 'button', text: 'Clear', onclick: () => go('#/audit', {}) }),
      ['ndjson', 'csv'].map((format) => el('button', { id: 'export-audit-' + format, type: 'button',
        text: 'Export ' + format.toUpperCase(),
        onclick: (e) => exportList(e.target, '/api/admin/audit-logs/export', format, params, AUDIT_FILTERS) })));

    page.replaceChildren(
      el('div', { class: 'page-head' }, el('h2', { text: 'Audit log' }), el('span', { class: 'muted', text: plural(result.total, 'entry', 'entries') })),
      panel(null, form),
      panel(null, table(['Time', 'Action', 'Severity', 'Resource', 'User', 'Details'], auditRows(result.logs, true),
        'No entries match these filters.'),
        pager(result, (newOffset) => go('#/audit', { ...Object.fromEntries(params), offset: String(newOffset) }))));
  }

  // ---- routing -------------------------------------------------------------------------

  function go(path, params) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v) query.set(k, v);
    const target = path + (query.toString() ? '?' + query : '');
    if (location.hash === target) route();
    else location.hash = target;
  }

  async function route() {
    if (!sessionStorage.getItem(TOKEN_KEY)) return showLogin();
    const hash = location.hash.replace(/^#/, '') || '/overview';
    const [path, search] = hash.split('?');
    const params = new URLSearchParams(search || '');
    const parts = path.split('/').filter(Boolean);
    const section = parts[0] || 'overview';
    document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === section));
    destroyCharts();
    const page = $('page');
    page.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
    try {
      if (section === 'users' && parts[1] && parts[2] === 'timeline') await timelinePage(page, decodeURIComponent(parts[1]), params);
      else if (section === 'users' && parts[1]) await userPage(page, decodeURIComponent(parts[1]));
      else if (section === 'users') await usersPage(page, params);
      else if (section === 'audit') await auditPage(page, params);
      else await overviewPage(page);
    } catch (e) {
      const message = explain(e);
      if (message) page.replaceChildren(panel(null, el('p', { class: 'error-text', text: message })));
    }
  }

  function startApp() {
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    $('whoami').textContent = sessionStorage.getItem(EMAIL_KEY) || '';
    route();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', signIn);
    $('logout').addEventListener('click', () => signOut('You are signed out.'));
    window.addEventListener('hashchange', () => {
      $('banner').hidden = true;
      route();
    });
    if (sessionStorage.getItem(TOKEN_KEY)) startApp();
    else showLogin();
  });
})();
