/*
 * govsite search: exact substring search over a static, sharded character-bigram index.
 *
 * The index is written by govsite/search/index.py (file format described there). This script has
 * no dependencies and makes no request outside the index folder.
 *
 * DOM contract of the search page (the template provides these; the script fills in the rest):
 *
 *   <form id="search-form" role="search" action="./" method="get"
 *         data-index="<index folder, relative to the page, e.g. './'>"
 *         data-root="<site root, relative to the page, e.g. '../'>"      (optional; default: the
 *                                                                        index's meta "root")
 *         data-page-size="20">                                            (optional)
 *     <label for="q">检索词</label> <input id="q" name="q" type="search">
 *     <label for="year">年度</label>   <select id="year" name="year"><option value="">全部年度</option></select>
 *     <label for="region">地区</label> <select id="region" name="region"><option value="">全部地区</option></select>
 *     <label for="level">机关层级</label><select id="level" name="level"><option value="">全部层级</option></select>
 *     <button type="submit">检索</button>
 *   </form>
 *   <p id="search-status" aria-live="polite"></p>
 *   <ol id="search-results"></ol>
 *   <noscript>…a sentence that search needs JavaScript, and a link to the year indexes…</noscript>
 *   <script src="<relative url>/search.js" defer></script>
 *
 * The selects are filled from the index's facets (existing options other than value="" are
 * replaced). Without data-index the index folder is taken to be "../search/" relative to this
 * script. A search box on other pages is a plain GET form whose action is the search page, with an
 * input named "q"; it needs no script.
 *
 * URL parameters: q (terms separated by spaces), year (e.g. 2022), region (levels joined by "/",
 * any prefix, e.g. 河南省/新乡市), level (e.g. 县级部门). The URL follows the form as the reader
 * types (history.replaceState), so a search can be bookmarked.
 *
 * Semantics (same as govsite.search.reader.brute_force): after per-code-point NFKC + case folding,
 * a report matches when it contains every term as a substring; a one-character term is looked up
 * in the title and agency name only. Ranking: number of terms found in the title or agency name,
 * then id order (newest year first). Candidates come from the bigram posting lists; when a term is
 * longer than two characters they are verified against the report's text before being shown, and
 * the count is then exact once every candidate is verified, else labelled as an upper bound.
 *
 * What the script renders: each result is
 *   <li class="search-result" data-url="2022/slug/"><h3><a href="…">title</a></h3>
 *     <p class="search-meta">agency · 2022年 · region · level</p><p class="search-excerpt">…</p></li>
 * with the matched text wrapped in <mark>; a <button id="search-more" type="button"> (显示更多结果)
 * is inserted after the list and hidden when nothing is left. Style these from the theme's CSS.
 * A year index page links into the search pre-filtered with "<search page>?year=2022".
 *
 * For tests and scripts: #search-results gets data-state="loading|done" and data-query="<the
 * query string searched>" when a search completes; each <li> has data-url (relative to the root).
 */
(function () {
  'use strict';

  var form = document.getElementById('search-form');
  if (!form) return;
  var qInput = document.getElementById('q');
  var yearSel = document.getElementById('year');
  var regionSel = document.getElementById('region');
  var levelSel = document.getElementById('level');
  var statusEl = document.getElementById('search-status');
  var resultsEl = document.getElementById('search-results');
  var pageSize = parseInt(form.getAttribute('data-page-size') || '20', 10) || 20;
  // With this few candidates all of them are verified at once, so the count is exact.
  var VERIFY_ALL = 40;
  var DEBOUNCE_MS = 250;
  var FETCH_PARALLEL = 12;

  var scriptSrc = document.currentScript ? document.currentScript.src : document.baseURI;
  var indexURL = form.getAttribute('data-index')
    ? new URL(form.getAttribute('data-index'), document.baseURI)
    : new URL('../search/', scriptSrc);
  if (!/\/$/.test(indexURL.pathname)) indexURL = new URL(indexURL.pathname + '/', indexURL);
  var rootURL = null;

  function setStatus(text) { statusEl.textContent = text; }

  if (typeof DecompressionStream === 'undefined' || typeof TextDecoder === 'undefined' ||
      !window.fetch || !String.prototype.normalize) {
    setStatus('您的浏览器不支持本站检索所需的功能（DecompressionStream），请升级浏览器，或通过年度索引浏览各年度报告。');
    return;
  }

  // ---- normalisation: mirror of govsite/search/text.py ------------------------------------------

  // Every character Python's str.isspace() accepts (text.py WS_CHARS).
  var WS_RE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  // Code points where casefold() differs from toLowerCase() (after NFD), see fixCase.
  var CASE_RE = /[\u00df\u0345\u03c2\u13f8-\u13fd\u1c80-\u1c88\uab70-\uabbf]/g;
  var CYRILLIC_1C80 = '\u0432\u0434\u043e\u0441\u0442\u0442\u044a\u0463\ua64b';
  function fixCase(ch) {
    var c = ch.charCodeAt(0);
    if (c === 0xdf) return 'ss';
    if (c === 0x345) return '\u03b9';
    if (c === 0x3c2) return '\u03c3';
    if (c >= 0x13f8 && c <= 0x13fd) return String.fromCharCode(c - 8);
    if (c >= 0x1c80 && c <= 0x1c88) return CYRILLIC_1C80.charAt(c - 0x1c80);
    return String.fromCharCode(c - 0xab70 + 0x13a0); // Cherokee small letters fold to capitals
  }
  var foldCache = new Map();
  // fold(c) = NFKC(casefold(NFKC(c))), one code point at a time.
  function foldCp(ch, c) {
    if (c < 0x80) return (c >= 65 && c <= 90) ? String.fromCharCode(c + 32) : ch;
    if (c >= 0x4e00 && c <= 0x9fff) return ch; // CJK unified ideographs never change
    var r = foldCache.get(ch);
    if (r === undefined) {
      r = ch.normalize('NFKC').toLowerCase().normalize('NFD').replace(CASE_RE, fixCase).normalize('NFKC');
      foldCache.set(ch, r);
    }
    return r;
  }
  function fold(s) {
    var out = '';
    for (var i = 0; i < s.length;) {
      var c = s.codePointAt(i);
      var n = c > 0xffff ? 2 : 1;
      out += foldCp(n === 1 ? s.charAt(i) : s.substr(i, 2), c);
      i += n;
    }
    return out;
  }
  // Folded text plus, for each folded UTF-16 unit, the original range it came from (highlighting).
  function foldMapped(s) {
    var parts = [], starts = [], ends = [];
    for (var i = 0; i < s.length;) {
      var c = s.codePointAt(i);
      var n = c > 0xffff ? 2 : 1;
      var f = foldCp(n === 1 ? s.charAt(i) : s.substr(i, 2), c);
      parts.push(f);
      for (var k = 0; k < f.length; k++) { starts.push(i); ends.push(i + n); }
      i += n;
    }
    return { text: parts.join(''), starts: starts, ends: ends };
  }
  function splitTerms(q) {
    var seen = [];
    fold(q).split(WS_RE).forEach(function (t) { if (t && seen.indexOf(t) < 0) seen.push(t); });
    return seen;
  }
  window.govsiteSearchFold = fold; // used by the tests to compare with Python

  // ---- fetching -----------------------------------------------------------------------------

  var meta = null;
  var fileCache = new Map();

  async function gunzip(buf) {
    var bytes = new Uint8Array(buf);
    // A server that adds Content-Encoding: gzip for *.gz has already decompressed it for us.
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  function fetchFile(path, revalidate) {
    var p = fileCache.get(path);
    if (!p) {
      var url = new URL(path, indexURL);
      if (meta) url.search = '?v=' + encodeURIComponent(meta.v);
      p = fetch(url.href, revalidate ? { cache: 'no-cache' } : {}).then(function (resp) {
        if (!resp.ok) throw new Error(resp.status + ' ' + path);
        return resp.arrayBuffer();
      }).then(gunzip);
      p.catch(function () { fileCache.delete(path); });
      fileCache.set(path, p);
    }
    return p;
  }
  var utf8 = new TextDecoder('utf-8');
  var utf8enc = new TextEncoder();

  async function loadMeta() {
    meta = JSON.parse(utf8.decode(await fetchFile('meta.json.gz', true)));
    rootURL = form.getAttribute('data-root')
      ? new URL(form.getAttribute('data-root'), document.baseURI)
      : new URL(meta.root, indexURL);
  }

  // CRC-32 (IEEE), as zlib.crc32 in index.py's shard_of.
  var CRC_TABLE = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();
  function crc32(bytes) {
    var c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  function readVarint(buf, st) {
    var result = 0, mul = 1, b;
    do {
      b = buf[st.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b >= 0x80);
    return result;
  }
  var shardCache = new Map();
  // A shard as a Map key → [allOffset, allCount, nameOffset, nameCount] into its bytes.
  async function loadShard(shard) {
    var parsed = shardCache.get(shard);
    if (parsed) return parsed;
    var buf = await fetchFile('i/' + shard.toString(16) + '.gz');
    var entries = new Map();
    var st = { pos: 0 };
    while (st.pos < buf.length) {
      var klen = readVarint(buf, st);
      var key = utf8.decode(buf.subarray(st.pos, st.pos + klen));
      st.pos += klen;
      var e = [];
      for (var j = 0; j < 2; j++) {
        var n = readVarint(buf, st), nbytes = readVarint(buf, st);
        e.push(st.pos, n);
        st.pos += nbytes;
      }
      entries.set(key, e);
    }
    parsed = { buf: buf, entries: entries };
    shardCache.set(shard, parsed);
    return parsed;
  }
  function decodeIds(buf, pos, n) {
    var out = new Uint32Array(n), st = { pos: pos }, prev = 0;
    for (var i = 0; i < n; i++) {
      prev = i === 0 ? readVarint(buf, st) : prev + readVarint(buf, st);
      out[i] = prev;
    }
    return out;
  }
  var EMPTY = new Uint32Array(0);
  // Posting lists of a key: { all, name } (sorted id arrays).
  async function lookup(key) {
    var sh = await loadShard(crc32(utf8enc.encode(key)) & (meta.shards - 1));
    var e = sh.entries.get(key);
    if (!e) return { all: EMPTY, name: EMPTY };
    return { all: decodeIds(sh.buf, e[0], e[1]), name: decodeIds(sh.buf, e[2], e[3]) };
  }
  function intersect(a, b) {
    if (a.length > b.length) { var t = a; a = b; b = t; }
    var out = [], j = 0;
    for (var i = 0; i < a.length && j < b.length; i++) {
      var v = a[i];
      if (b.length > 8 * a.length) { // galloping: binary search in the long list
        var lo = j, hi = b.length;
        while (lo < hi) { var mid = (lo + hi) >> 1; if (b[mid] < v) lo = mid + 1; else hi = mid; }
        j = lo;
      } else {
        while (j < b.length && b[j] < v) j++;
      }
      if (j < b.length && b[j] === v) out.push(v);
    }
    return Uint32Array.from(out);
  }
  // Run fn over items with at most `limit` in flight: thousands of parallel fetches exhaust the
  // browser (net::ERR_INSUFFICIENT_RESOURCES).
  async function mapLimited(items, fn, limit) {
    var out = new Array(items.length), next = 0;
    async function worker() {
      while (next < items.length) { var i = next++; out[i] = await fn(items[i]); }
    }
    var workers = [];
    for (var k = 0; k < Math.min(limit, items.length); k++) workers.push(worker());
    await Promise.all(workers);
    return out;
  }
  function docPath(id) { return 'd/' + Math.floor(id / 1000) + '/' + id + '.gz'; }
  var docCache = new Map();
  async function loadDoc(id) {
    var d = docCache.get(id);
    if (d) return d;
    d = JSON.parse(utf8.decode(await fetchFile(docPath(id))));
    d.names = fold(d.t + '\n' + d.a);
    d.full = d.names + '\n' + fold(d.r.join(' ') + '\n' + d.y + '\n' + d.x);
    docCache.set(id, d);
    return d;
  }

  // ---- searching ----------------------------------------------------------------------------

  function readForm() {
    return { q: qInput.value, year: yearSel.value, region: regionSel.value, level: levelSel.value };
  }
  function docMatches(d, terms) {
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if ((cpLen(t) === 1 ? d.names : d.full).indexOf(t) < 0) return false;
    }
    return true;
  }
  function nameScore(d, terms) {
    var s = 0;
    for (var i = 0; i < terms.length; i++) if (cpLen(terms[i]) > 1 && d.names.indexOf(terms[i]) >= 0) s++;
    return s;
  }
  function cpLen(s) { var n = 0; for (var i = 0; i < s.length; i++) { var c = s.charCodeAt(i); if (c < 0xdc00 || c > 0xdfff) n++; } return n; }
  function codePoints(s) { return Array.from(s); }

  // Build the ranked candidate list of a query: { order, score, verify, terms, ... }.
  async function plan(params) {
    var terms = splitTerms(params.q);
    var lists = [], nameLists = [];
    var jobs = [];
    terms.forEach(function (t) {
      var cps = codePoints(t);
      if (cps.length === 1) {
        jobs.push(lookup('1:' + t).then(function (r) { lists.push(r.all); }));
        return;
      }
      var keys = [];
      for (var i = 0; i + 1 < cps.length; i++) if (keys.indexOf(cps[i] + cps[i + 1]) < 0) keys.push(cps[i] + cps[i + 1]);
      jobs.push(Promise.all(keys.map(lookup)).then(function (rs) {
        var all = rs[0].all, name = rs[0].name;
        for (var k = 1; k < rs.length; k++) { all = intersect(all, rs[k].all); name = intersect(name, rs[k].name); }
        lists.push(all);
        nameLists.push(name);
      }));
    });
    if (params.region) jobs.push(lookup('r:' + params.region).then(function (r) { lists.push(r.all); }));
    if (params.level) jobs.push(lookup('l:' + params.level).then(function (r) { lists.push(r.all); }));
    await Promise.all(jobs);
    var cand = null;
    if (params.year) {
      var span = meta.facets.years.filter(function (y) { return String(y[0]) === params.year; })[0];
      var ids = [];
      if (span) for (var id = span[2]; id < span[3]; id++) ids.push(id);
      cand = Uint32Array.from(ids);
    }
    lists.sort(function (a, b) { return a.length - b.length; });
    lists.forEach(function (l) { cand = cand === null ? l : intersect(cand, l); });
    if (cand === null) return null; // nothing asked
    var score = new Map();
    nameLists.forEach(function (l) {
      intersect(l, cand).forEach(function (id) { score.set(id, (score.get(id) || 0) + 1); });
    });
    var order = Array.from(cand);
    if (score.size) order.sort(function (a, b) { return (score.get(b) || 0) - (score.get(a) || 0) || a - b; });
    var verify = terms.some(function (t) { return cpLen(t) > 2; });
    return { terms: terms, params: params, order: order, score: score, verify: verify, pos: 0,
             shown: [], dropped: 0, checked: new Map() };
  }

  // Verify and render candidates until `want` results are shown (or none are left).
  async function fill(st, want) {
    while (st.shown.length < want && st.pos < st.order.length) {
      var need = want - st.shown.length;
      var batch = st.order.slice(st.pos, st.pos + need);
      var docs = await mapLimited(batch, loadDoc, FETCH_PARALLEL);
      for (var i = 0; i < batch.length; i++) {
        var id = batch[i], d = docs[i];
        st.pos++;
        if (!st.verify) { st.shown.push(id); continue; }
        if (!docMatches(d, st.terms)) { st.dropped++; continue; }
        var actual = nameScore(d, st.terms), assumed = st.score.get(id) || 0;
        if (actual < assumed && !st.checked.has(id)) {
          // Its name list entry was a bigram false positive: move it to its true rank.
          st.checked.set(id, true);
          st.score.set(id, actual);
          var j = st.pos;
          while (j < st.order.length && ((st.score.get(st.order[j]) || 0) > actual ||
                 ((st.score.get(st.order[j]) || 0) === actual && st.order[j] < id))) j++;
          st.order.splice(j, 0, id);
          // the rest of this batch is behind it only if it was inserted before them
          if (j < st.pos + (batch.length - i - 1)) { batch.length = i + 1; }
          continue;
        }
        st.shown.push(id);
      }
    }
  }

  var current = null;
  var generation = 0;

  function countText(st) {
    var n = st.shown.length, rest = st.order.length - st.pos;
    if (!st.verify || rest === 0) {
      var total = st.verify ? n : st.order.length;
      return total ? '找到 ' + total + ' 份报告' : '';
    }
    return '至多 ' + (n + rest) + ' 份报告（已核实并显示 ' + n + ' 份；其余为索引估计，继续显示时逐份核实）';
  }
  function total(st) { return st.verify ? st.shown.length + (st.order.length - st.pos) : st.order.length; }

  // ---- agencies and regions by name or pinyin (search/names.json.gz) ---------------------------

  var namesSection = document.getElementById('names-section');
  var nameList = document.getElementById('name-results');
  var names = null;
  var NAMES_SHOWN = 20;
  async function loadNames() {
    if (names === null) {
      names = fetchFile('names.json.gz', true).then(function (buf) {
        return JSON.parse(utf8.decode(buf)).items;
      });
    }
    return names;
  }
  function nameRank(item, q, latin) {
    var name = fold(item[1]);
    if (name.indexOf(q) === 0) return 0;
    if (name.indexOf(q) > 0) return 1;
    if (!latin) return -1;
    if (item[3].indexOf(latin) === 0) return 2;
    if (latin.length > 1 && item[4].indexOf(latin) === 0) return 3;
    if (latin.length > 2 && item[3].indexOf(latin) > 0) return 4;
    return -1;
  }
  async function showNames(params) {
    if (!namesSection || !nameList) return;
    while (nameList.firstChild) nameList.removeChild(nameList.firstChild);
    var q = fold(params.q || '').split(WS_RE).join('');
    if (!q) { namesSection.hidden = true; return; }
    var items;
    try { items = await loadNames(); } catch (err) { namesSection.hidden = true; return; }
    var latin = /^[a-z0-9]+$/.test(q) ? q : '';
    var hits = [];
    items.forEach(function (it) {
      var r = nameRank(it, q, latin);
      if (r >= 0) hits.push([r, it]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || (a[1][0] === b[1][0] ? 0 : a[1][0] === 'r' ? -1 : 1); });
    hits.slice(0, NAMES_SHOWN).forEach(function (h) {
      var it = h[1];
      var li = document.createElement('li');
      var a = document.createElement('a');
      var target = new URL(it[2], rootURL);
      if (target.origin === rootURL.origin) a.href = target.href;
      a.textContent = it[1];
      li.appendChild(a);
      li.appendChild(document.createTextNode('（' + (it[0] === 'r' ? '地区' : '机关') + '：' + it[5] + '）'));
      nameList.appendChild(li);
    });
    namesSection.hidden = hits.length === 0;
  }

  async function runSearch() {
    var gen = ++generation;
    var params = readForm();
    syncURL(params);
    showNames(params);
    resultsEl.setAttribute('data-state', 'loading');
    var st;
    try {
      st = await plan(params);
      if (st) {
        var first = st.verify && st.order.length <= VERIFY_ALL ? st.order.length : pageSize;
        await fill(st, Math.max(first, pageSize));
      }
    } catch (err) {
      if (gen === generation) {
        setStatus('检索索引加载失败（' + err.message + '），请检查网络后刷新页面重试。');
        resultsEl.setAttribute('data-state', 'error');
      }
      return;
    }
    if (gen !== generation) return; // a newer search started meanwhile
    current = st;
    render(st, true);
  }

  function describe(st) {
    var p = st.params, bits = [];
    if (st.terms.length) bits.push('包含“' + st.terms.join('”“') + '”');
    if (p.year) bits.push(p.year + '年');
    if (p.region) bits.push(p.region.split('/').join(''));
    if (p.level) bits.push(p.level);
    return bits.join('、');
  }

  function render(st, fresh) {
    var more = document.getElementById('search-more');
    if (!st) {
      while (resultsEl.firstChild) resultsEl.removeChild(resultsEl.firstChild);
      setStatus('请输入检索词，或选择年度、地区、机关层级。多个检索词用空格分隔，结果须同时包含全部检索词。');
      if (more) more.hidden = true;
      finish('');
      return;
    }
    if (fresh) while (resultsEl.firstChild) resultsEl.removeChild(resultsEl.firstChild);
    var firstNew = null;
    for (var i = resultsEl.children.length; i < st.shown.length; i++) {
      var li = renderItem(docCache.get(st.shown[i]), st.terms);
      if (!firstNew) firstNew = li;
      resultsEl.appendChild(li);
    }
    var msg = countText(st);
    if (!msg) msg = '未找到' + describe(st) + '的报告。';
    else msg += '（' + describe(st) + '）。';
    if (st.terms.some(function (t) { return cpLen(t) === 1; })) {
      msg += '单字检索词只在报告标题和机关名称中查找。';
    }
    setStatus(msg);
    var remaining = st.order.length - st.pos;
    if (!more) {
      more = document.createElement('button');
      more.type = 'button';
      more.id = 'search-more';
      more.textContent = '显示更多结果';
      more.addEventListener('click', showMore);
      resultsEl.parentNode.insertBefore(more, resultsEl.nextSibling);
    }
    more.hidden = remaining === 0;
    finish(st.params.q);
    return firstNew;
  }
  function finish(q) {
    resultsEl.setAttribute('data-query', q);
    resultsEl.setAttribute('data-count', current ? String(total(current)) : '0');
    resultsEl.setAttribute('data-state', 'done');
  }

  async function showMore() {
    var st = current;
    if (!st) return;
    var gen = generation;
    resultsEl.setAttribute('data-state', 'loading');
    try {
      await fill(st, st.shown.length + pageSize);
    } catch (err) {
      setStatus('加载更多结果失败（' + err.message + '），请重试。');
      resultsEl.setAttribute('data-state', 'error');
      return;
    }
    if (gen !== generation) return;
    var firstNew = render(st, false);
    // keyboard users continue where the new results begin
    if (firstNew) { var a = firstNew.querySelector('a'); if (a) a.focus(); }
  }

  // ---- rendering (textContent only: every string from the index is data) -----------------------

  function highlight(parent, original, terms) {
    var m = foldMapped(original), ranges = [];
    terms.forEach(function (t) {
      for (var at = m.text.indexOf(t); at >= 0; at = m.text.indexOf(t, at + t.length)) {
        ranges.push([m.starts[at], m.ends[at + t.length - 1]]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[1] <= pos) return;
      var s = Math.max(r[0], pos);
      if (s > pos) parent.appendChild(document.createTextNode(original.slice(pos, s)));
      var mark = document.createElement('mark');
      mark.textContent = original.slice(s, r[1]);
      parent.appendChild(mark);
      pos = r[1];
    });
    if (pos < original.length) parent.appendChild(document.createTextNode(original.slice(pos)));
  }
  function excerpt(text, terms) {
    var m = foldMapped(text), at = -1;
    terms.forEach(function (t) {
      if (cpLen(t) < 2) return;
      var i = m.text.indexOf(t);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    var start = at < 0 ? 0 : Math.max(0, m.starts[at] - 30);
    var end = Math.min(text.length, start + 120);
    // never cut a surrogate pair
    if (start > 0 && /[\udc00-\udfff]/.test(text.charAt(start))) start--;
    if (end < text.length && /[\udc00-\udfff]/.test(text.charAt(end))) end++;
    var s = text.slice(start, end).replace(/\s+/g, ' ');
    return (start > 0 ? '…' : '') + s + (end < text.length ? '…' : '');
  }
  function renderItem(d, terms) {
    var li = document.createElement('li');
    li.className = 'search-result';
    li.setAttribute('data-url', d.u);
    var h = document.createElement('h3');
    var a = document.createElement('a');
    var target = new URL(d.u, rootURL);
    // the index is data: never let it smuggle in a javascript: or foreign link
    if (target.origin === rootURL.origin) a.href = target.href;
    highlight(a, d.t, terms);
    h.appendChild(a);
    li.appendChild(h);
    var metaP = document.createElement('p');
    metaP.className = 'search-meta';
    highlight(metaP, [d.a, d.y + '年', d.r.join(' '), d.l].filter(Boolean).join(' · '), terms);
    li.appendChild(metaP);
    var ex = document.createElement('p');
    ex.className = 'search-excerpt';
    highlight(ex, excerpt(d.x, terms), terms.filter(function (t) { return cpLen(t) > 1; }));
    li.appendChild(ex);
    return li;
  }

  // ---- form, URL and facets -----------------------------------------------------------------

  function syncURL(p) {
    var u = new URL(location.href);
    ['q', 'year', 'region', 'level'].forEach(function (k) {
      if (p[k]) u.searchParams.set(k, p[k]); else u.searchParams.delete(k);
    });
    if (u.href !== location.href) history.replaceState(history.state, '', u.href);
  }
  function fillSelect(sel, items, label) {
    var keep = sel.querySelector('option[value=""]');
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    if (keep) sel.appendChild(keep);
    items.forEach(function (it) {
      var o = document.createElement('option');
      o.value = it[0];
      o.textContent = label(it) + '（' + it[1] + '）';
      sel.appendChild(o);
    });
  }
  function setValue(sel, value) {
    if (!value) return;
    var found = Array.prototype.some.call(sel.options, function (o) { return o.value === value; });
    if (!found) { // a value from a link that the facets do not list: keep it selectable
      var o = document.createElement('option');
      o.value = value;
      o.textContent = value;
      sel.appendChild(o);
    }
    sel.value = value;
  }

  var timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(runSearch, DEBOUNCE_MS);
  }

  async function start() {
    var params = new URLSearchParams(location.search);
    setStatus('正在加载检索索引…');
    try {
      await loadMeta();
    } catch (err) {
      setStatus('检索索引加载失败（' + err.message + '），请检查网络后刷新页面重试。');
      return;
    }
    var f = meta.facets;
    fillSelect(yearSel, f.years, function (y) { return y[0] + '年'; });
    fillSelect(regionSel, f.regions, function (r) {
      var parts = r[0].split('/');
      return '\u3000'.repeat(parts.length - 1) + parts[parts.length - 1];
    });
    fillSelect(levelSel, f.levels, function (l) { return l[0]; });
    qInput.value = params.get('q') || '';
    setValue(yearSel, params.get('year'));
    setValue(regionSel, params.get('region'));
    setValue(levelSel, params.get('level'));
    qInput.addEventListener('input', schedule);
    [yearSel, regionSel, levelSel].forEach(function (s) { s.addEventListener('change', runSearch); });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); clearTimeout(timer); runSearch(); });
    await runSearch();
  }

  start();
})();
