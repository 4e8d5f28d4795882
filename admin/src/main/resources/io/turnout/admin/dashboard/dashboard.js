// The dashboard of SPEC §13. Once a second it reads GET /stats and redraws the page from it.
// Plain DOM, no library. Every text from the API goes in through textContent, never as HTML:
// versions, server names and reasons are whatever a PUT sent.
'use strict';

const REFRESH_MILLIS = 1000;
const TOKEN_KEY = 'turnout.token';
// Colours of the versions, by insertion order, so a version keeps its colour while others come
// and go. Red is left out: it means failure here.
const PALETTE = ['#3b82f6', '#10b981', '#f59e0b', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#64748b'];
const EVENT_LABELS = {
  UPGRADE: 'added',
  DELETE: 'deleted',
  ROLLBACK: 'rolled back',
  EJECTION: 'server ejected',
  PROBE_FAILED: 'probe failed',
  READMISSION: 'server re-admitted',
};

const $ = (id) => document.getElementById(id);

/** An element with a class and text (or children). */
function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (Array.isArray(content)) {
    node.append(...content.filter((c) => c !== null && c !== undefined));
  } else if (content !== undefined && content !== null) {
    node.textContent = String(content);
  }
  return node;
}

function colour(sequence) {
  return PALETTE[sequence % PALETTE.length];
}

function percent(fraction) {
  if (fraction === null || fraction === undefined) {
    return '–';
  }
  if (fraction > 0 && fraction < 0.005) {
    return '<1%';
  }
  return Math.round(fraction * 100) + '%';
}

function percentOneDecimal(fraction) {
  return fraction === null || fraction === undefined ? '–' : (fraction * 100).toFixed(1) + '%';
}

function millis(value) {
  if (value === null || value === undefined) {
    return '–';
  }
  return value < 10 ? value.toFixed(1) + ' ms' : Math.round(value) + ' ms';
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString([], {hour12: false});
}

function secondsBetween(fromIso, toIso) {
  return Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
}

function ago(seconds) {
  if (seconds < 120) {
    return seconds + ' s ago';
  }
  return seconds < 7200 ? Math.round(seconds / 60) + ' min ago' : Math.round(seconds / 3600) + ' h ago';
}

function shortUuid(uuid) {
  return uuid.length > 8 ? uuid.slice(0, 8) : uuid;
}

// ---- polling and the token ------------------------------------------------------------------

let timer = null;

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(poll, REFRESH_MILLIS);
}

async function poll() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = token ? {Authorization: 'Bearer ' + token} : {};
  let response;
  try {
    response = await fetch('/stats', {headers, cache: 'no-store'});
  } catch (e) {
    showOffline();
    schedule();
    return;
  }
  if (response.status === 401) {
    // A token was needed, or the one given is wrong: show nothing until the right one comes.
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken(token ? 'That token was not accepted. Check configService.token and try again.' : null);
    return;
  }
  if (!response.ok) {
    showProblem('The admin API answered ' + response.status + ': ' + (await response.text()).trim());
    schedule();
    return;
  }
  render(await response.json());
  schedule();
}

function askForToken(message) {
  clearBoard();
  $('board').hidden = true;
  $('banner').hidden = true;
  $('live').textContent = 'token needed';
  $('live').className = 'live locked';
  const note = $('login-message');
  note.hidden = !message;
  note.textContent = message || '';
  $('login').hidden = false;
  $('token').value = '';
  $('token').focus();
}

function onTokenGiven(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!token) {
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  $('live').textContent = 'connecting…';
  poll();
}

function clearBoard() {
  for (const id of ['share-bar', 'chart', 'markers', 'legend', 'versions', 'timeline']) {
    $(id).replaceChildren();
  }
}

function showOffline() {
  $('live').textContent = 'no answer from Turnout; retrying';
  $('live').className = 'live offline';
  document.body.classList.add('stale');
}

function showProblem(text) {
  $('live').textContent = text;
  $('live').className = 'live offline';
}

// ---- drawing ----------------------------------------------------------------------------------

function render(stats) {
  document.body.classList.remove('stale');
  $('login').hidden = true;
  $('board').hidden = false;
  $('live').textContent = 'live · ' + clock(stats.time);
  $('live').className = 'live on';
  // The tab's title tells the split too, for a dashboard left open in a background tab.
  document.title = (stats.rollback ? '⚠ ' : '') + 'Turnout · '
    + stats.versions.map((v) => v.version + ' ' + percent(v.share)).join(' · ');
  const removal = removals(stats.events);
  renderBanner(stats);
  renderShareBar(stats.history, removal);
  renderChart(stats.history);
  renderMarkers(stats.history, stats.events);
  renderLegend(stats.history, removal);
  renderVersions(stats);
  renderTimeline(stats.events, stats.time);
}

/** uuid → 'rolled back' or 'deleted', for versions that left. */
function removals(events) {
  const gone = {};
  for (const e of events) {
    if (e.cluster && !gone[e.cluster] && (e.type === 'ROLLBACK' || e.type === 'DELETE')) {
      gone[e.cluster] = e.type === 'ROLLBACK' ? 'rolled back' : 'deleted';
    }
  }
  return gone;
}

function renderBanner(stats) {
  const banner = $('banner');
  const newest = stats.versions[0];
  if (stats.rollback) {
    const r = stats.rollback;
    const now = newest ? ' Traffic is on ' + newest.version + ' now.' : '';
    banner.className = 'banner rollback';
    banner.replaceChildren(
      el('strong', null, 'Rolled back ' + r.version),
      el('span', null, ' ' + ago(secondsBetween(r.time, stats.time)) + ': ' + (r.reason || 'rollback') + '.' + now));
    banner.hidden = false;
    return;
  }
  const guard = newest && newest.rollbackGuard;
  const ejected = newest ? newest.servers.filter((s) => s.ejected).length : 0;
  if (guard && (ejected > 0 || guard.failures > 0)) {
    const parts = [];
    if (ejected > 0) {
      parts.push(ejected + ' of ' + newest.servers.length + ' servers ejected');
    }
    if (guard.failures > 0) {
      parts.push(guard.failures + ' of the last ' + guard.seen + ' responses failed (rolls back at '
        + guard.rollsBackAt + ' of ' + guard.window + ')');
    }
    banner.className = 'banner warning';
    banner.replaceChildren(el('strong', null, newest.version + ' is failing'), el('span', null, ': ' + parts.join(' · ')));
    banner.hidden = false;
    return;
  }
  banner.hidden = true;
}

/** Oldest version at the bottom of the stack, as the newest grows over it. */
function stackOrder(history) {
  return history.versions.slice().sort((a, b) => a.sequence - b.sequence);
}

function renderShareBar(history, removal) {
  const versions = stackOrder(history);
  const totals = versions.map((v) => v.responses.reduce((a, b) => a + b, 0));
  const all = totals.reduce((a, b) => a + b, 0);
  const bar = $('share-bar');
  if (all === 0) {
    bar.replaceChildren(el('div', 'share-empty', 'no traffic in the last minute'));
    return;
  }
  const segments = [];
  versions.forEach((v, i) => {
    if (totals[i] === 0) {
      return;
    }
    const share = totals[i] / all;
    const segment = el('div', 'share-segment' + (v.live ? '' : ' gone'),
      share >= 0.12 ? v.version + ' ' + percent(share) : (share >= 0.05 ? percent(share) : ''));
    segment.style.flexGrow = String(totals[i]);
    segment.style.background = colour(v.sequence);
    segment.title = v.version + (removal[v.uuid] ? ' (' + removal[v.uuid] + ')' : '') + ': '
      + percent(share) + ' of ' + all + ' responses in the last minute';
    segments.push(segment);
  });
  bar.replaceChildren(...segments);
}

function renderChart(history) {
  const versions = stackOrder(history);
  const end = Date.parse(history.end);
  const columns = [];
  for (let i = 0; i < history.seconds; i++) {
    const column = el('div', 'column');
    const total = versions.reduce((sum, v) => sum + v.responses[i], 0);
    const at = new Date(end - (history.seconds - 1 - i) * 1000).toLocaleTimeString([], {hour12: false});
    if (total === 0) {
      column.classList.add('idle');
      column.title = at + ': no responses';
    } else {
      const lines = [at + ': ' + total + ' responses'];
      for (const v of versions) {
        if (v.responses[i] > 0) {
          const part = el('div', 'part' + (v.live ? '' : ' gone'));
          part.style.height = (100 * v.responses[i] / total) + '%';
          part.style.background = colour(v.sequence);
          column.append(part);
          lines.push(v.version + ' ' + percent(v.responses[i] / total));
        }
      }
      column.title = lines.join('\n');
    }
    columns.push(column);
  }
  $('chart').replaceChildren(...columns);
}

/** Upgrades, rollbacks and deletions of the last minute, as lines across the chart. */
function renderMarkers(history, events) {
  const end = Date.parse(history.end);
  const start = end - history.seconds * 1000;
  const width = $('chart').clientWidth;
  const markers = [];
  let previous = null;
  // Events come newest first; walk them oldest first, so each label knows its left neighbour.
  for (const e of events.slice().reverse()) {
    if (e.type !== 'UPGRADE' && e.type !== 'ROLLBACK' && e.type !== 'DELETE') {
      continue;
    }
    const at = Date.parse(e.time);
    if (at < start || at > end + 1000) {
      continue;
    }
    const marker = el('div', 'marker ' + e.type.toLowerCase(),
      [el('span', 'marker-label', e.version + ' ' + EVENT_LABELS[e.type])]);
    const position = Math.min(100, 100 * (at - start) / (end - start));
    marker.style.left = position + '%';
    if (position > 70) {
      marker.classList.add('near-end');
    }
    // Two labels closer than one label's width: the later one goes a line lower.
    if (previous !== null && (position - previous.position) * width / 100 < 130 && !previous.lower) {
      marker.classList.add('lower');
    }
    previous = {position, lower: marker.classList.contains('lower')};
    marker.title = clock(e.time) + ' ' + e.version + ' ' + EVENT_LABELS[e.type];
    markers.push(marker);
  }
  $('markers').replaceChildren(...markers);
}

function renderLegend(history, removal) {
  const items = history.versions.map((v) => el('span', 'legend-item' + (v.live ? '' : ' gone'), [
    swatch(v.sequence),
    el('span', null, v.version + (v.live ? '' : ' (' + (removal[v.uuid] || 'removed') + ')')),
  ]));
  $('legend').replaceChildren(...items);
}

function swatch(sequence) {
  const s = el('span', 'swatch');
  s.style.background = colour(sequence);
  return s;
}

function renderVersions(stats) {
  const byUuid = {};
  for (const h of stats.history.versions) {
    byUuid[h.uuid] = h;
  }
  if (stats.versions.length === 0) {
    $('versions').replaceChildren(el('p', 'empty', 'No versions. Add one with: turnoutctl add --version V --server HOST:PORT'));
    return;
  }
  $('versions').replaceChildren(...stats.versions.map((v, rank) => card(v, rank, byUuid[v.uuid], stats.versions.length)));
}

function card(v, rank, history, count) {
  const node = el('article', 'card' + (rank === 0 && count > 1 ? ' newest' : ''));
  node.dataset.uuid = v.uuid;
  node.dataset.version = v.version;
  node.dataset.share = v.share === null ? '' : String(v.share);
  node.style.setProperty('--version-colour', colour(v.sequence));

  const uuid = el('span', 'uuid', shortUuid(v.uuid));
  uuid.title = v.uuid;
  const title = el('header', 'card-head', [
    swatch(v.sequence),
    el('h3', null, v.version),
    el('span', 'badge mode', v.mode),
    rank === 0 && count > 1 ? el('span', 'badge newest', 'newest') : null,
    rank === 1 ? el('span', 'badge previous', 'previous') : null,
    uuid,
  ]);

  const share = el('div', 'share', [
    el('span', 'share-value', percent(v.share)),
    el('span', 'share-note', 'of traffic, last minute'),
  ]);

  const figures = el('dl', 'figures', [
    figure('req/s', v.requestsPerSecond.toFixed(1)),
    figure('failed', percentOneDecimal(v.failureRate), v.failureRate > 0 ? 'bad' : null),
    figure('p50', millis(v.latencyMillis.p50)),
    figure('p99', millis(v.latencyMillis.p99)),
  ]);

  const extras = [];
  if (v.mode === 'GRADUAL') {
    const fill = el('div', 'fill');
    fill.style.width = v.transitionCounter + '%';
    extras.push(el('div', 'counter', [
      el('span', 'counter-label', 'counter ' + Math.round(v.transitionCounter) + '%'),
      el('div', 'track', [fill]),
    ]));
  } else if (v.mode === 'SESSION') {
    extras.push(el('p', 'note', 'new sessions land here; existing ones stay for ' + v.sessionTimeout + ' s'));
  } else if (v.mode === 'CONCURRENT') {
    extras.push(el('p', 'note' + (v.divergences > 0 ? ' bad' : ''), v.divergences + ' divergences from the previous version'));
  }
  if (v.rollbackGuard) {
    const g = v.rollbackGuard;
    extras.push(el('p', 'note guard' + (g.failures > 0 ? ' bad' : ''), 'rollback guard: ' + g.failures + ' of the last '
      + g.seen + ' failed · rolls back at ' + g.rollsBackAt + '/' + g.window));
  }

  const servers = el('ul', 'servers', v.servers.map((s) => el('li', s.ejected ? 'ejected' : 'up', [
    el('span', 'dot'),
    el('span', 'address', s.hostname + ':' + s.port),
    s.ejected ? el('span', 'flag', 'ejected') : null,
  ])));

  const failures = history ? history.failures : [];
  const p99 = history ? history.p99Millis : [];
  const sparks = el('div', 'sparks', [
    spark('failures/s', failures, 'spark-failures', (max) => 'max ' + max),
    spark('p99 latency', p99, 'spark-latency', (max) => 'max ' + millis(max)),
  ]);

  node.append(title, share, figures, ...extras, servers, sparks);
  return node;
}

function figure(label, value, className) {
  return el('div', 'figure' + (className ? ' ' + className : ''), [el('dt', null, label), el('dd', null, value)]);
}

/** A line over the last minute, scaled to its own maximum; gaps where there is no value. */
function spark(label, values, className, describeMax) {
  const NS = 'http://www.w3.org/2000/svg';
  const width = Math.max(values.length - 1, 1);
  const height = 24;
  const present = values.filter((x) => x !== null && x !== undefined);
  const max = present.length ? Math.max(...present) : 0;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark ' + className + (max === 0 ? ' quiet' : ''));
  const baseline = document.createElementNS(NS, 'line');
  baseline.setAttribute('x1', '0');
  baseline.setAttribute('x2', String(width));
  baseline.setAttribute('y1', String(height - 0.5));
  baseline.setAttribute('y2', String(height - 0.5));
  baseline.setAttribute('class', 'baseline');
  svg.append(baseline);
  let points = [];
  const flush = () => {
    if (points.length > 0) {
      const line = document.createElementNS(NS, 'polyline');
      line.setAttribute('points', (points.length === 1 ? [points[0], points[0]] : points).join(' '));
      svg.append(line);
    }
    points = [];
  };
  values.forEach((value, i) => {
    if (value === null || value === undefined) {
      flush();
      return;
    }
    const y = max > 0 ? height - 1 - (height - 3) * value / max : height - 1;
    points.push(i + ',' + y.toFixed(2));
  });
  flush();
  return el('figure', 'spark-figure', [
    el('figcaption', null, [el('span', null, label), el('span', 'spark-max', present.length ? describeMax(max) : 'no data')]),
    svg,
  ]);
}

function renderTimeline(events, now) {
  const items = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    // Probes of one server back off from 1 s to 30 s; a run of failures is one line.
    let repeats = 1;
    while (e.type === 'PROBE_FAILED' && i + 1 < events.length && events[i + 1].type === 'PROBE_FAILED'
        && events[i + 1].server === e.server) {
      repeats++;
      i++;
    }
    const item = el('li', 'event ' + e.type.toLowerCase(), [
      el('time', null, clock(e.time)),
      e.version ? el('strong', 'event-version', e.version) : null,
      el('span', 'kind', EVENT_LABELS[e.type] + (repeats > 1 ? ' ×' + repeats : '')),
      e.server ? el('span', 'event-server', e.server) : null,
      el('span', 'ago', ago(secondsBetween(e.time, now))),
      e.reason ? el('span', 'reason', e.reason) : null,
    ]);
    item.dataset.type = e.type;
    item.dataset.time = e.time;
    if (e.version) {
      item.dataset.version = e.version;
    }
    items.push(item);
  }
  if (items.length === 0) {
    items.push(el('li', 'event none', 'Nothing yet: add a version with turnoutctl add and it shows here.'));
  }
  $('timeline').replaceChildren(...items);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', onTokenGiven);
  poll();
});
