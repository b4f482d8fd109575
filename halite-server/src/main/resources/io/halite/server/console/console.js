// The Halite web console: plain JavaScript against the node's JSON API (same origin, paths relative to the page
// so that the console also works behind a proxy that mounts the node under a prefix). Everything that comes from
// the server or the database is put into the page as text (textContent), never as HTML.
'use strict';

(function () {
  const POLL_MS = 1000;
  const REQUEST_TIMEOUT_MS = 8000;
  const HISTORY_SECONDS = 300;
  const MAX_ROWS_SHOWN = 1000;
  const TX_IDLE_TIMEOUT = '5m';
  const SVG = 'http://www.w3.org/2000/svg';

  // ---- small DOM helpers ----

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    return append(node, ...children);
  }

  function append(node, ...children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function replace(node, ...children) {
    node.replaceChildren();
    return append(node, ...children);
  }

  function pill(text, kind) { return el('span', { class: 'pill ' + kind }, text); }

  /** A link only for http(s) addresses: a value from the server never becomes a javascript: URL. */
  function safeLink(address, text) {
    if (typeof address === 'string' && /^https?:\/\/[^\s]+$/i.test(address)) {
      return el('a', { href: address }, text === undefined ? address : text);
    }
    return document.createTextNode(address ? String(address) : '—');
  }

  function plural(n, one, many) {
    return formatNumber(n) + ' ' + (n === 1 ? one : many);
  }

  function formatNumber(n) {
    return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
  }

  function formatBytes(n) {
    if (typeof n !== 'number') return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function formatAge(iso) {
    if (!iso) return '';
    const seconds = (Date.now() - Date.parse(iso)) / 1000;
    if (!isFinite(seconds)) return '';
    if (seconds < 1) return 'just now';
    if (seconds < 120) return Math.round(seconds) + ' s ago';
    if (seconds < 7200) return Math.round(seconds / 60) + ' min ago';
    return Math.round(seconds / 3600) + ' h ago';
  }

  function formatMillis(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    return ms < 10 ? ms.toFixed(2) + ' ms' : ms < 1000 ? ms.toFixed(1) + ' ms' : (ms / 1000).toFixed(2) + ' s';
  }

  // ---- talking to the node ----

  /**
   * Calls the API and reads its JSON answer: {status, body, redirected}. A redirect is not followed (a follower
   * sends transaction requests to the leader, another origin): it is reported as redirected. Throws on a network
   * failure or timeout.
   */
  async function api(path, options) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch('../' + path, Object.assign({
        signal: controller.signal, cache: 'no-store', redirect: 'manual',
        headers: { 'Accept': 'application/json' },
      }, options || {}));
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        return { status: response.status, body: null, redirected: true };
      }
      let body = null;
      const text = await response.text();
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: text }; }
      return { status: response.status, body: body, redirected: false };
    } finally {
      clearTimeout(timer);
    }
  }

  function postJson(path, value) {
    return api(path, {
      method: 'POST', body: JSON.stringify(value),
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    });
  }

  function errorOf(reply) {
    if (reply.body && typeof reply.body.error === 'string') return reply.body.error;
    return 'HTTP ' + reply.status;
  }

  // ---- state shared by the pages ----

  const state = {
    status: null,        // this node's last /status
    nodes: null,         // last /nodes list
    lastAnswer: 0,       // when this node last answered (ms)
    samples: [],         // activity samples: {t, reads, writes, readBuckets, writeBuckets}
    bounds: [],          // latency bucket upper bounds (ms)
    tx: null,            // open interactive transaction id
  };

  function leaderMember() {
    return (state.nodes || []).find(n => n.leader) || null;
  }

  // ---- pages and navigation ----

  const pages = {};

  function showPage() {
    let name = location.hash.replace(/^#/, '');
    if (!pages[name]) name = 'cluster';
    for (const section of document.querySelectorAll('section.page')) {
      section.hidden = section.id !== 'page-' + name;
    }
    for (const link of document.querySelectorAll('.top nav a')) {
      link.classList.toggle('active', link.dataset.page === name);
    }
    document.body.dataset.page = name;
    pages[name].show();
  }

  // ---- polling /status and /nodes ----

  /** Refreshes the member list; keeps the last one if this node cannot give it now. */
  async function pollNodes() {
    const nodes = await api('nodes?nonvoters&ver=2&timeout=1s');
    if (nodes.status === 200 && nodes.body) state.nodes = nodes.body.nodes;
  }

  async function poll() {
    try {
      const [status] = await Promise.all([api('status'), pollNodes()]);
      if (status.status !== 200 || !status.body) throw new Error(errorOf(status));
      state.status = status.body;
      state.lastAnswer = Date.now();
      recordSample(status.body);
      setBanner(null);
    } catch (e) {
      const since = state.lastAnswer ? ' (last answer ' + formatAge(new Date(state.lastAnswer).toISOString()) + ')' : '';
      setBanner('This node does not answer' + since + ': ' + (e.message || e) + '. Retrying…');
    }
    renderBadge();
    pages.cluster.render();
    if (document.body.dataset.page === 'activity') pages.activity.render();
    setTimeout(poll, POLL_MS);
  }

  function setBanner(text) {
    const banner = $('banner');
    banner.hidden = !text;
    banner.textContent = text || '';
  }

  function renderBadge() {
    const badge = $('node-badge');
    const down = Date.now() - state.lastAnswer > 2 * POLL_MS + REQUEST_TIMEOUT_MS || !state.status;
    badge.classList.toggle('down', down);
    if (!state.status) { badge.textContent = 'no answer'; return; }
    const store = state.status.store;
    badge.textContent = store.node_id + ' · ' + store.raft.state + (down ? ' · not answering' : '');
  }

  // ---- Cluster ----

  pages.cluster = {
    show() { this.render(); },
    render() {
      const s = state.status;
      if (!s) return;
      const store = s.store;
      const leader = leaderMember();
      $('cluster-leader').textContent = store.leader.node_id || (leader ? leader.id : 'none');
      $('cluster-term').textContent = formatNumber(store.raft.term);
      $('cluster-commit').textContent = formatNumber(store.raft.commit_index);
      replace($('cluster-self'), store.node_id + ' ', el('span', { class: 'self' },
        store.raft.state + ', ' + store.health.state));
      const body = $('members').tBodies[0];
      const rows = (state.nodes || []).map(m => {
        const role = m.leader ? 'leader' : m.voter ? 'follower' : 'non-voter';
        return el('tr', { 'data-node': m.id, 'data-role': role, 'data-reachable': String(m.reachable),
                          class: m.reachable ? null : 'unreachable' },
          el('td', {}, m.id, m.id === store.node_id ? el('span', { class: 'self' }, '(this node)') : null),
          el('td', { class: 'role' }, pill(role, role.replace('-', ''))),
          el('td', {}, m.voter ? 'yes' : 'no'),
          el('td', { class: 'reachable' }, m.reachable ? pill('yes', 'yes') : pill('unreachable', 'no'),
            m.storage_error ? el('div', { class: 'note' }, m.storage_error) : null),
          el('td', { class: 'num applied' }, m.reachable ? formatNumber(m.applied_index) : '—'),
          el('td', { class: 'num lag' }, m.reachable ? formatNumber(m.lag) : '—'),
          el('td', {}, m.api_addr ? safeLink(m.api_addr.replace(/\/$/, '') + '/console/', m.api_addr) : '—'),
          el('td', { class: 'mono' }, m.addr || '—'));
      });
      body.replaceChildren(...rows);
      $('cluster-updated').textContent = 'Updated ' + new Date(state.lastAnswer).toLocaleTimeString()
        + ' from ' + store.node_id + '; refreshed every second.';
    },
  };

  // ---- Query ----

  /**
   * Splits editor text into statements at top-level semicolons: not inside quotes, identifiers or comments, and
   * not inside a CREATE TRIGGER body (which ends at END;).
   */
  function splitStatements(text) {
    const statements = [];
    let start = 0;
    let i = 0;
    const n = text.length;
    let lastWord = '';
    let words = [];
    const push = end => {
      const sql = text.slice(start, end).trim();
      if (sql && !/^(--[^\n]*\n?|\/\*[\s\S]*?\*\/|\s)*$/.test(sql)) statements.push(sql);
      start = end + 1;
      words = [];
      lastWord = '';
    };
    while (i < n) {
      const c = text[i];
      if (c === '\'' || c === '"' || c === '`' || c === '[') {
        const close = c === '[' ? ']' : c;
        i++;
        while (i < n) {
          if (text[i] === close) {
            if (close !== ']' && text[i + 1] === close) { i += 2; continue; }
            break;
          }
          i++;
        }
        i++;
        lastWord = '';
        continue;
      }
      if (c === '-' && text[i + 1] === '-') {
        while (i < n && text[i] !== '\n') i++;
        continue;
      }
      if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        let j = i;
        while (j < n && /[A-Za-z0-9_$]/.test(text[j])) j++;
        lastWord = text.slice(i, j).toUpperCase();
        if (words.length < 4) words.push(lastWord);
        i = j;
        continue;
      }
      if (c === ';') {
        const trigger = words[0] === 'CREATE' && words.slice(1, 4).includes('TRIGGER');
        if (!trigger || lastWord === 'END') push(i);
        i++;
        continue;
      }
      if (!/\s/.test(c)) lastWord = '';
      i++;
    }
    push(n);
    return statements;
  }

  function cell(value) {
    if (value === null || value === undefined) return el('td', {}, el('span', { class: 'null' }, 'NULL'));
    if (typeof value === 'object') return el('td', {}, JSON.stringify(value));
    return el('td', { class: typeof value === 'number' ? 'num' : null }, String(value));
  }

  function rowsTable(result) {
    const values = result.values || [];
    const shown = values.slice(0, MAX_ROWS_SHOWN);
    const head = el('tr', {}, result.columns.map((c, i) =>
      el('th', { title: result.types && result.types[i] ? result.types[i] : null }, c)));
    const rows = shown.map(row => el('tr', {}, row.map(cell)));
    return el('div', { class: 'scroll' },
      el('table', { class: 'grid rows' }, el('thead', {}, head), el('tbody', {}, rows)));
  }

  function renderResult(sql, result) {
    const head = el('div', { class: 'head' }, el('span', { class: 'sql', title: sql }, sql));
    const box = el('div', { class: 'result' }, head);
    const time = typeof result.time === 'number' ? formatMillis(result.time * 1000) : '';
    if (typeof result.error === 'string') {
      box.classList.add('failed');
      append(head, el('span', { class: 'meta' }, time));
      box.appendChild(el('div', { class: 'error' }, result.error));
    } else if (Array.isArray(result.columns)) {
      const count = (result.values || []).length;
      append(head, el('span', { class: 'meta row-count' }, plural(count, 'row', 'rows')
        + (count > MAX_ROWS_SHOWN ? ' (first ' + MAX_ROWS_SHOWN + ' shown)' : '') + (time ? ' · ' + time : '')));
      box.appendChild(rowsTable(result));
    } else {
      const affected = result.rows_affected || 0;
      const parts = [plural(affected, 'row', 'rows') + ' affected'];
      if (result.last_insert_id) parts.push('last insert id ' + result.last_insert_id);
      append(head, el('span', { class: 'meta' }, time));
      box.appendChild(el('div', { class: 'ok' }, parts.join(', ')));
    }
    return box;
  }

  function showQueryError(message) {
    replace($('results'), el('div', { class: 'result failed' }, el('div', { class: 'error' }, message)));
  }

  /** A follower sent a transaction request to the leader: offer the leader's console instead. */
  async function showLeaderHint() {
    if (!leaderMember()) await pollNodes().catch(() => {}); // the page may not have polled yet
    const leader = leaderMember();
    replace($('results'), el('div', { class: 'result failed' }, el('div', { class: 'error' },
      'Interactive transactions run on the leader, and this node is not it. ',
      leader && leader.api_addr ? ['Open the console on the leader: ',
        safeLink(leader.api_addr.replace(/\/$/, '') + '/console/#query')] : 'No leader is known right now.')));
  }

  let running = false;

  async function runQuery() {
    if (running) return;
    const statements = splitStatements($('sql').value);
    if (statements.length === 0) {
      replace($('query-summary'), 'Nothing to run: type a statement first.');
      return;
    }
    running = true;
    $('run').disabled = true;
    replace($('query-summary'), 'Running ' + plural(statements.length, 'statement', 'statements') + '…');
    const started = performance.now();
    try {
      const path = state.tx
        ? 'db/request?timings&tx=' + encodeURIComponent(state.tx)
        : 'db/request?timings&level=' + encodeURIComponent($('level').value);
      const reply = await postJson(path, statements);
      const elapsed = performance.now() - started;
      if (reply.redirected) {
        replace($('query-summary'), '');
        await showLeaderHint();
        return;
      }
      if (reply.status !== 200) {
        replace($('query-summary'), 'Failed after ' + formatMillis(elapsed));
        showQueryError(errorOf(reply));
        if (state.tx && (reply.status === 404 || reply.status === 409)) {
          endTransaction('Transaction ended: ' + errorOf(reply));
        }
        return;
      }
      const results = reply.body.results || [];
      if (typeof reply.body.error === 'string') {
        replace($('query-summary'), '');
        showQueryError(reply.body.error);
        return;
      }
      const rows = results.reduce((sum, r) => sum + (r.values ? r.values.length : 0), 0);
      const failed = results.filter(r => typeof r.error === 'string').length;
      replace($('query-summary'), results.length + (results.length === 1 ? ' statement, ' : ' statements, ')
        + rows + (rows === 1 ? ' row' : ' rows') + (failed ? ', ' + failed + ' failed' : '')
        + ' · server ' + formatMillis((reply.body.time || 0) * 1000) + ', round trip ' + formatMillis(elapsed)
        + (state.tx ? ' · in the transaction' : ' · level ' + $('level').value));
      replace($('results'), results.map((r, i) => renderResult(statements[i] || '', r)));
    } catch (e) {
      replace($('query-summary'), '');
      showQueryError('The node did not answer: ' + (e.message || e));
    } finally {
      running = false;
      $('run').disabled = false;
    }
  }

  function renderTransaction(message) {
    const open = state.tx !== null;
    $('tx-begin').hidden = open;
    $('tx-commit').hidden = !open;
    $('tx-rollback').hidden = !open;
    $('level').disabled = open;
    const box = $('tx-state');
    box.hidden = !message;
    box.textContent = message || '';
  }

  function endTransaction(message) {
    state.tx = null;
    renderTransaction(message);
  }

  /**
   * POSTs a transaction request and returns the reply, or null when there is none to act on: a follower's redirect
   * to the leader (shown as a link to the leader's console) or no answer at all (shown with `unanswered`).
   */
  async function transactionRequest(path, unanswered) {
    let reply;
    try {
      reply = await api(path, { method: 'POST' });
    } catch (e) {
      showQueryError('The node did not answer: ' + (e.message || e) + unanswered);
      return null;
    }
    if (reply.redirected) {
      await showLeaderHint();
      return null;
    }
    return reply;
  }

  async function beginTransaction() {
    const reply = await transactionRequest('db/tx?idle_timeout=' + TX_IDLE_TIMEOUT, '');
    if (!reply) return;
    if (reply.status !== 200) {
      showQueryError('Cannot begin a transaction: ' + errorOf(reply));
      return;
    }
    state.tx = reply.body.tx;
    renderTransaction('Transaction open (' + state.tx + '): statements run inside it and see its own writes; '
      + 'other writes wait until it ends. Idle for ' + TX_IDLE_TIMEOUT + ', it is rolled back.');
  }

  async function finishTransaction(action) {
    const reply = await transactionRequest('db/tx/' + encodeURIComponent(state.tx) + '/' + action,
      '. The transaction may still be open.');
    if (!reply) return;
    if (reply.status !== 200) {
      endTransaction('Transaction ended: ' + errorOf(reply));
      return;
    }
    endTransaction(action === 'commit'
      ? 'Committed' + (reply.body.raft_index ? ' at log index ' + reply.body.raft_index : ' (it wrote nothing)') + '.'
      : 'Rolled back: nothing of it remains.');
  }

  pages.query = {
    show() { $('sql').focus(); },
  };

  // ---- Schema ----

  function quoteIdentifier(name) { return '"' + String(name).replace(/"/g, '""') + '"'; }

  async function loadSchema() {
    const target = $('schema');
    replace(target, el('p', { class: 'note' }, 'Loading…'));
    try {
      const first = await postJson('db/query?level=weak', [
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
          + "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, name"]);
      if (first.status !== 200) throw new Error(errorOf(first));
      const objects = rowsOf(first.body.results[0]);
      const relations = objects.filter(o => o.type === 'table' || o.type === 'view');
      if (relations.length === 0) {
        replace(target, el('p', { class: 'note' }, 'The database has no tables yet.'));
        return;
      }
      const statements = [];
      for (const r of relations) {
        statements.push(['SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid', r.name]);
        statements.push(['SELECT il.name, il."unique", il.origin, group_concat(ii.name, \', \') AS columns '
          + 'FROM pragma_index_list(?) AS il LEFT JOIN pragma_index_info(il.name) AS ii '
          + 'GROUP BY il.seq ORDER BY il.name', r.name]);
        statements.push(r.type === 'table' ? 'SELECT count(*) FROM ' + quoteIdentifier(r.name) : 'SELECT NULL');
      }
      const second = await postJson('db/query?level=weak', statements);
      if (second.status !== 200) throw new Error(errorOf(second));
      const results = second.body.results;
      const triggers = objects.filter(o => o.type === 'trigger');
      replace(target, relations.map((r, i) => schemaCard(r, results[3 * i], results[3 * i + 1], results[3 * i + 2],
        triggers.filter(t => t.tbl_name === r.name))));
    } catch (e) {
      replace(target, el('div', { class: 'error' }, 'Cannot read the schema: ' + (e.message || e)));
    }
  }

  /** A result's rows as objects keyed by column name. */
  function rowsOf(result) {
    if (!result || typeof result.error === 'string') throw new Error(result ? result.error : 'no result');
    return (result.values || []).map(row => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
  }

  /** What made an index, when not CREATE INDEX (SQLite's pragma_index_list origin). */
  const INDEX_ORIGINS = { pk: ', primary key', u: ', from a UNIQUE constraint' };

  function schemaCard(relation, columnsResult, indexesResult, countResult, triggers) {
    const columns = rowsOf(columnsResult);
    const indexes = rowsOf(indexesResult);
    let count = null;
    if (relation.type === 'table') {
      const rows = countResult.values ? countResult.values[0][0] : null;
      count = typeof countResult.error === 'string' ? countResult.error
        : plural(rows, 'row', 'rows');
    }
    return el('div', { class: 'schema-table', 'data-table': relation.name },
      el('div', { class: 'head' }, el('span', { class: 'kind' }, relation.type), el('h2', {}, relation.name),
        count === null ? null : el('span', { class: 'note row-count' }, count)),
      el('table', { class: 'grid columns' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Column'), el('th', {}, 'Type'), el('th', {}, 'Not null'),
          el('th', {}, 'Default'), el('th', {}, 'Primary key'))),
        el('tbody', {}, columns.map(c => el('tr', {},
          el('td', {}, c.name), el('td', { class: 'mono' }, c.type || ''), el('td', {}, c.notnull ? 'yes' : ''),
          el('td', { class: 'mono' }, c.dflt_value === null ? '' : c.dflt_value),
          el('td', {}, c.pk ? String(c.pk) : ''))))),
      indexes.length === 0 ? null : el('div', {}, el('strong', {}, 'Indexes'),
        el('ul', { class: 'indexes' }, indexes.map(ix => el('li', { 'data-index': ix.name },
          el('code', {}, ix.name), ' (' + (ix.columns || 'expression') + ')',
          ix.unique ? ' unique' : '', INDEX_ORIGINS[ix.origin] || '')))),
      triggers.length === 0 ? null : el('div', {}, el('strong', {}, 'Triggers'),
        el('ul', { class: 'indexes' }, triggers.map(t => el('li', { 'data-trigger': t.name }, el('code', {}, t.name))))),
      relation.sql ? el('details', {}, el('summary', {}, 'Definition'), el('pre', {}, relation.sql)) : null);
  }

  pages.schema = {
    show() { loadSchema(); },
  };

  // ---- Backup ----

  let backupTimer = null;

  async function loadBackup() {
    const target = $('backup');
    try {
      const reply = await api('backup/status');
      if (reply.status === 404) {
        replace(target, el('p', { class: 'note', id: 'backup-none' }, errorOf(reply)));
        return;
      }
      if (reply.status !== 200) throw new Error(errorOf(reply));
      const b = reply.body;
      const point = p => p ? 'index ' + formatNumber(p.index) + ' · ' + p.time : '—';
      const facts = [
        ['Target', b.target, 'target'],
        ['Mode', b.mode === 'sync' ? 'sync (a write waits until it is stored)' : 'async (shipped every interval)', 'mode'],
        ['Uploading', (b.leader ? 'the leader, ' + b.leader : 'no leader now') + (b.uploading ? ' (this node)' : ''),
          'uploading'],
        ['Generation', b.generation || '—', 'generation'],
        ['Stored index', formatNumber(b.stored_index) + ' of ' + formatNumber(b.applied_index) + ' applied', 'stored'],
        ['Lag', plural(b.lag_entries, 'entry', 'entries') + ' · ' + (b.lag_seconds || 0).toFixed(1) + ' s', 'lag'],
        ['Last upload', b.last_upload ? b.last_upload + ' (' + formatAge(b.last_upload) + ')' : 'none yet', 'last-upload'],
        ['Stored', formatBytes(b.stored_bytes), 'bytes'],
        ['Restorable from', point(b.restorable && b.restorable.from), 'from'],
        ['Restorable to', point(b.restorable && b.restorable.to), 'to'],
        ['Last error', b.last_error ? b.last_error + (b.last_error_time ? ' (' + b.last_error_time + ')' : '') : 'none',
          'error'],
      ];
      replace(target, el('dl', { class: 'facts', id: 'backup-facts' },
        facts.map(([name, value, key]) => [el('dt', {}, name), el('dd', { 'data-fact': key }, value)])));
    } catch (e) {
      replace(target, el('div', { class: 'error' }, 'Cannot read the backup status: ' + (e.message || e)));
    }
  }

  pages.backup = {
    show() {
      loadBackup();
      clearInterval(backupTimer);
      backupTimer = setInterval(() => {
        if (document.body.dataset.page === 'backup') loadBackup(); else clearInterval(backupTimer);
      }, 2000);
    },
  };

  // ---- Activity ----

  function recordSample(status) {
    const requests = status.http && status.http.requests;
    if (!requests) return;
    state.bounds = requests.latency_bounds_ms;
    state.samples.push({
      t: Date.now(),
      reads: requests.reads.count, writes: requests.writes.count,
      readBuckets: requests.reads.latency_counts, writeBuckets: requests.writes.latency_counts,
    });
    const oldest = Date.now() - (HISTORY_SECONDS + 15) * 1000;
    while (state.samples.length > 0 && state.samples[0].t < oldest) state.samples.shift();
  }

  /** The p-quantile (ms) of the requests counted between two bucket arrays, interpolated in its bucket. */
  function quantile(p, before, after) {
    const deltas = after.map((v, i) => v - before[i]);
    const total = deltas.reduce((a, b) => a + b, 0);
    if (total <= 0 || deltas.some(d => d < 0)) return null;
    const wanted = p * total;
    let seen = 0;
    for (let i = 0; i < deltas.length; i++) {
      if (seen + deltas[i] >= wanted && deltas[i] > 0) {
        const lower = i === 0 ? 0 : state.bounds[i - 1];
        if (i >= state.bounds.length) return lower;
        return lower + (state.bounds[i] - lower) * (wanted - seen) / deltas[i];
      }
      seen += deltas[i];
    }
    return null;
  }

  /** Series over the history: [t, value] points, a rate over ~5 s and p99 over ~10 s ending at each sample. */
  function series() {
    const s = state.samples;
    const out = { writes: [], reads: [], p99Reads: [], p99Writes: [] };
    for (let i = 1; i < s.length; i++) {
      const rateFrom = s[Math.max(0, i - 5)];
      const p99From = s[Math.max(0, i - 10)];
      const seconds = (s[i].t - rateFrom.t) / 1000;
      if (seconds <= 0 || s[i].reads < rateFrom.reads || s[i].writes < rateFrom.writes) continue; // restarted
      out.writes.push([s[i].t, (s[i].writes - rateFrom.writes) / seconds]);
      out.reads.push([s[i].t, (s[i].reads - rateFrom.reads) / seconds]);
      out.p99Reads.push([s[i].t, quantile(0.99, p99From.readBuckets, s[i].readBuckets)]);
      out.p99Writes.push([s[i].t, quantile(0.99, p99From.writeBuckets, s[i].writeBuckets)]);
    }
    return out;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  /**
   * A small line chart of one or two series over the history sampled so far: at least the last minute, at most
   * the last HISTORY_SECONDS.
   */
  function chart(id, title, unit, lines, format, axisFormat) {
    const width = 400, height = 140, left = 52, bottom = 18, top = 8;
    const now = Date.now();
    const sampled = state.samples.length ? now - state.samples[0].t : 0;
    const span = Math.min(HISTORY_SECONDS * 1000, Math.max(60 * 1000, sampled));
    const x = t => left + (width - left - 4) * (1 - (now - t) / span);
    const all = lines.flatMap(l => l.points.filter(p => p[1] !== null).map(p => p[1]));
    const max = niceMax(Math.max(0, ...all));
    const y = v => top + (height - top - bottom) * (1 - v / max);
    const picture = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    for (const fraction of [0, 0.5, 1]) {
      const level = y(max * fraction);
      picture.appendChild(svg('line', { x1: left, x2: width - 4, y1: level, y2: level, class: 'gridline' }));
      const label = svg('text', { x: left - 4, y: level + 3, 'text-anchor': 'end', class: 'axis' });
      label.textContent = axisFormat(max * fraction);
      picture.appendChild(label);
    }
    const spanText = span >= 120 * 1000 ? '-' + Math.round(span / 60000) + ' min' : '-' + Math.round(span / 1000) + ' s';
    for (const [t, text] of [[now - span, spanText], [now, 'now']]) {
      const label = svg('text', { x: x(t), y: height - 4, 'text-anchor': t === now ? 'end' : 'start', class: 'axis' });
      label.textContent = text;
      picture.appendChild(label);
    }
    for (const line of lines) {
      // A gap (no requests, so no percentile) breaks the line.
      let segment = [];
      const flush = () => {
        if (segment.length > 0) {
          picture.appendChild(svg('polyline',
            { points: segment.join(' '), fill: 'none', stroke: line.color, 'stroke-width': 1.6 }));
        }
        segment = [];
      };
      for (const [t, v] of line.points) {
        if (v === null || now - t > span) { flush(); continue; }
        segment.push(x(t).toFixed(1) + ',' + y(v).toFixed(1));
      }
      flush();
    }
    const latest = lines.map(l => {
      const last = l.points.length ? l.points[l.points.length - 1][1] : null;
      return (lines.length > 1 ? l.name + ' ' : '') + (last === null ? '—' : format(last) + unit);
    }).join(' · ');
    return el('figure', { class: 'chart', id: id },
      el('div', { class: 'head' }, el('h2', {}, title), el('span', { class: 'now' }, latest)),
      picture,
      lines.length > 1 ? el('div', { class: 'legend' }, lines.map((l, i) =>
        el('span', { class: i === 0 ? 'swatch-a' : 'swatch-b' }, '■ ' + l.name + ' '))) : null);
  }

  const ACCENT = '#1d4f91';
  const ORANGE = '#d9822b';
  const perSecond = v => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
  const axisMillis = v => (v === 0 ? '0' : v < 10 ? v.toFixed(1) + ' ms' : v < 1000 ? Math.round(v) + ' ms'
    : (v / 1000).toFixed(1) + ' s');

  pages.activity = {
    show() { this.render(); },
    render() {
      const s = series();
      replace($('charts'),
        chart('chart-writes', 'Writes/s', '/s', [{ name: 'writes', color: ACCENT, points: s.writes }], perSecond, perSecond),
        chart('chart-reads', 'Reads/s', '/s', [{ name: 'reads', color: ACCENT, points: s.reads }], perSecond, perSecond),
        chart('chart-latency', 'p99 latency', '', [
          { name: 'writes', color: ACCENT, points: s.p99Writes },
          { name: 'reads', color: ORANGE, points: s.p99Reads }], formatMillis, axisMillis));
    },
  };

  // ---- wiring ----

  document.addEventListener('DOMContentLoaded', () => {
    $('run').addEventListener('click', runQuery);
    $('sql').addEventListener('keydown', event => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runQuery();
      }
    });
    $('tx-begin').addEventListener('click', beginTransaction);
    $('tx-commit').addEventListener('click', () => finishTransaction('commit'));
    $('tx-rollback').addEventListener('click', () => finishTransaction('rollback'));
    $('schema-refresh').addEventListener('click', loadSchema);
    window.addEventListener('hashchange', showPage);
    showPage();
    poll();
  });
})();
