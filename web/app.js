// The imgpipe page: upload, chain builder, live preview. Plain JS, no framework, nothing inline
// (the page's Content-Security-Policy allows only its own files). It only uses the public API:
// GET /ops (the op catalogue: the builder is made from it, so new ops appear by themselves),
// POST /image/upload/, POST /image/link/, GET /image/<id>/<chain>/.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  const state = {
    catalog: null,   // GET /ops
    ops: new Map(),  // name and aliases -> op entry
    image: null,     // the original's JSON
    steps: [],       // {op, form, values} or {raw}
    apiKey: '',      // only ever in this variable and its input: never stored
    previewSeq: 0,   // answers of older previews are dropped
  };

  // ---- messages ----------------------------------------------------------------------------
  function status(text) { $('status').textContent = text; }

  function showError(code, message, requestId) {
    $('error-code').textContent = code;
    $('error-message').textContent = message;
    $('error-id').textContent = requestId ? `request ${requestId}` : '';
    $('error').hidden = false;
  }
  function clearError() { $('error').hidden = true; }

  // An answer that is not 2xx: the service's error body, shown as worded.
  async function failure(resp) {
    let code = `http_${resp.status}`;
    let message = resp.statusText || 'request failed';
    let requestId = resp.headers.get('X-Request-Id') || '';
    try {
      const body = await resp.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
        requestId = body.error.request_id || requestId;
      }
    } catch (_) { /* not JSON: keep the status line */ }
    const err = new Error(message);
    Object.assign(err, { code, requestId, status: resp.status });
    return err;
  }

  function report(err) {
    if (err && err.code) showError(err.code, err.message, err.requestId);
    else showError('network', String(err && err.message || err));
    status('');
  }

  // ---- chain text ----------------------------------------------------------------------------
  // A form's pattern with values: an optional part [...] appears when an argument inside it has a
  // value, its other arguments then taking their defaults (tests/unit/core/ops/catalog_test.cpp
  // checks the same rule against the parser).
  function renderPattern(pattern, values, args) {
    let i = 0;
    const part = (inGroup) => {
      let text = '';
      let any = false;
      while (i < pattern.length) {
        const c = pattern[i++];
        if (c === ']') break;
        if (c === '[') {
          const inner = part(true);
          if (inner.any) { text += inner.text; any = true; }
        } else if (c === '{') {
          const end = pattern.indexOf('}', i);
          const name = pattern.slice(i, end);
          i = end + 1;
          const v = (values[name] || '').trim();
          if (v) { text += v; any = true; }
          else if (inGroup) {
            const a = args.find((x) => x.name === name);
            text += (a && a.default) || '';
          }
        } else {
          text += c;
        }
      }
      return { text, any };
    };
    return part(false).text;
  }

  function stepText(step) {
    if (step.raw !== undefined) return step.raw;
    const form = step.op.forms[step.form];
    const args = renderPattern(form.pattern, step.values, form.args);
    return args ? `${step.op.name}:${args}` : step.op.name;
  }

  const chainText = () => state.steps.map(stepText).filter((t) => t).join('|');

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
  const ARG_RE = {
    integer: '\\d+',
    number: '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)',
    color: '[0-9a-fA-F]+',
    enum: '[A-Za-z]+',
  };
  // The pattern as a regular expression with one named group per argument.
  function patternRegex(form) {
    let re = '';
    let i = 0;
    const p = form.pattern;
    while (i < p.length) {
      const c = p[i++];
      if (c === '[') re += '(?:';
      else if (c === ']') re += ')?';
      else if (c === '{') {
        const end = p.indexOf('}', i);
        const name = p.slice(i, end);
        i = end + 1;
        const a = form.args.find((x) => x.name === name);
        re += `(?<${name}>${ARG_RE[a.kind] || '[^:,]+'})`;
      } else re += escapeRe(c);
    }
    return new RegExp(`^${re}$`, 'i');
  }

  // One op of typed text as a builder step; text no form matches stays as typed (the service
  // then says what is wrong with it).
  function parseStep(text) {
    const colon = text.indexOf(':');
    const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
    const args = colon < 0 ? '' : text.slice(colon + 1).trim();
    const op = state.ops.get(name);
    if (op) {
      for (let f = 0; f < op.forms.length; f++) {
        const form = op.forms[f];
        const m = patternRegex(form).exec(args);
        if (!m) continue;
        const values = {};
        for (const a of form.args) {
          let v = (m.groups && m.groups[a.name]) || '';
          if (a.kind === 'enum' && v) {
            const choice = a.choices.find((c) => c.value === v.toLowerCase() ||
                                                 c.aliases.includes(v.toLowerCase()));
            if (!choice) { v = null; break; }
            v = choice.value;
          }
          values[a.name] = v;
        }
        if (Object.values(values).includes(null)) continue;
        return { op, form: f, values };
      }
    }
    return { raw: text.trim() };
  }

  // ---- the builder ---------------------------------------------------------------------------
  function newStep(op) {
    const values = {};
    for (const a of op.forms[0].args) values[a.name] = a.optional ? '' : a.example;
    return { op, form: 0, values };
  }

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k in e) e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  let uid = 0;
  // A labelled control for one argument: a select for choices (the chosen one's meaning below
  // it), a number field with the range, or a text field. Its hint is tied to it by
  // aria-describedby, so screen readers read the meaning with the name.
  function argInput(step, index, arg) {
    const id = `s${index}-${arg.name}-${++uid}`;
    const hint = el('p', { class: 'hint arg-hint', id: `${id}-hint` });
    let input;
    let describe = () => `${arg.summary}${range(arg)}`;
    if (arg.kind === 'enum') {
      input = el('select', { id });
      if (arg.optional) input.append(el('option', { value: '' }, `${arg.default} (default)`));
      for (const c of arg.choices) input.append(el('option', { value: c.value }, c.value));
      input.value = step.values[arg.name] || '';
      describe = () => {
        const v = input.value || arg.default;
        const c = arg.choices.find((x) => x.value === v);
        return c && c.summary ? c.summary : arg.summary;
      };
    } else {
      const numeric = arg.kind === 'integer' || arg.kind === 'number';
      input = el('input', {
        id,
        type: numeric ? 'number' : 'text',
        value: step.values[arg.name] || '',
        placeholder: arg.optional ? `${arg.default} (default)` : arg.example,
        spellcheck: false,
        autocomplete: 'off',
      });
      if (numeric) {
        input.step = arg.kind === 'integer' ? '1' : 'any';
        if (arg.min !== undefined) input.min = String(arg.min);
        if (arg.max !== undefined) input.max = String(arg.max);
        input.inputMode = arg.kind === 'integer' ? 'numeric' : 'decimal';
      }
    }
    input.dataset.arg = arg.name;
    input.setAttribute('aria-describedby', hint.id);
    hint.textContent = describe();
    input.addEventListener(arg.kind === 'enum' ? 'change' : 'input', () => {
      step.values[arg.name] = input.value;
      hint.textContent = describe();
      changed('builder');
    });
    return el('div', { class: 'arg' }, el('label', { htmlFor: id }, arg.name), input, hint);
  }

  function range(arg) {
    if (arg.kind !== 'integer' && arg.kind !== 'number') return '';
    const lo = arg.min === undefined ? null : `${arg.min_exclusive ? '>' : '≥'} ${arg.min}`;
    const hi = arg.max === undefined ? null : `≤ ${arg.max}`;
    const r = [lo, hi].filter((x) => x).join(', ');
    return r ? ` (${r})` : '';
  }

  function moveButton(label, text, onClick, disabled) {
    const b = el('button', { type: 'button', class: 'button small', disabled }, text);
    b.setAttribute('aria-label', label);
    b.addEventListener('click', onClick);
    return b;
  }

  // Rebuilds the list of steps; `focus` names a control to focus afterwards (after a move or a
  // removal the list is rebuilt, and keyboard users must not lose their place).
  function renderSteps(focus) {
    const list = $('steps');
    list.replaceChildren();
    state.steps.forEach((step, i) => {
      const n = state.steps.length;
      const preset = step.raw !== undefined && state.catalog &&
        (state.catalog.presets || []).find((p) => p.name === step.raw.trim().toLowerCase());
      const title = step.raw === undefined ? step.op.name : preset ? `preset ${preset.name}` : 'as typed';
      const head = el('div', { class: 'step-head' },
        el('span', { class: 'step-name' }, `${i + 1}. ${title}`),
        el('span', { class: 'step-tools' },
          moveButton(`Move step ${i + 1} up`, '↑', () => move(i, -1), i === 0),
          moveButton(`Move step ${i + 1} down`, '↓', () => move(i, 1), i === n - 1),
          moveButton(`Remove step ${i + 1} (${title})`, '✕', () => remove(i), false)));
      const li = el('li', { class: 'step', dataset: { index: String(i) } }, head);
      if (step.raw !== undefined) {
        const id = `s${i}-raw-${++uid}`;
        const input = el('input', { id, type: 'text', value: step.raw, spellcheck: false });
        input.addEventListener('input', () => { step.raw = input.value; changed('builder'); });
        li.append(el('div', { class: 'arg' }, el('label', { htmlFor: id }, 'op text'), input));
        if (preset) li.append(el('p', { class: 'syntax mono' }, `= ${preset.chain}`));
      } else {
        li.append(el('p', { class: 'hint op-summary' }, step.op.summary));
        if (step.op.forms.length > 1) {
          const id = `s${i}-form-${++uid}`;
          const select = el('select', { id });
          step.op.forms.forEach((f, k) => select.append(el('option', { value: String(k) }, f.summary)));
          select.value = String(step.form);
          select.dataset.form = 'true';
          select.addEventListener('change', () => {
            const old = step.values;
            step.form = Number(select.value);
            step.values = {};
            for (const a of step.op.forms[step.form].args) {
              step.values[a.name] = old[a.name] !== undefined ? old[a.name] : (a.optional ? '' : a.example);
            }
            changed('builder');
            renderSteps(`${i}:form`);
          });
          li.append(el('div', { class: 'arg' }, el('label', { htmlFor: id }, 'form'), select));
        }
        const form = step.op.forms[step.form];
        const args = el('div', { class: 'args' });
        for (const a of form.args) args.append(argInput(step, i, a));
        if (form.args.length) li.append(args);
        li.append(el('p', { class: 'syntax mono' }, form.syntax));
      }
      list.append(li);
    });
    $('no-steps').hidden = state.steps.length > 0;
    const max = state.catalog ? state.catalog.max_ops : 16;
    $('add').disabled = state.steps.length >= max;
    if (focus) {
      const [index, what] = focus.split(':');
      const li = list.children[Number(index)];
      let target = null;
      if (li && what === 'form') target = li.querySelector('select[data-form]');
      else if (li && what === 'up') target = li.querySelectorAll('.step-tools button')[0];
      else if (li && what === 'down') target = li.querySelectorAll('.step-tools button')[1];
      if (target && target.disabled) target = li.querySelector('.step-tools button:not([disabled])');
      if (!target) target = $('add-op');
      target.focus();
    }
  }

  function move(i, d) {
    const j = i + d;
    [state.steps[i], state.steps[j]] = [state.steps[j], state.steps[i]];
    renderSteps(`${j}:${d < 0 ? 'up' : 'down'}`);
    changed('builder');
    status(`Step moved to position ${j + 1}.`);
  }

  function remove(i) {
    state.steps.splice(i, 1);
    renderSteps(state.steps.length ? `${Math.min(i, state.steps.length - 1)}:up` : 'none:none');
    changed('builder');
    status('Step removed.');
  }

  // The chain changed in the builder (text follows) or in the text (builder follows).
  function changed(source) {
    if (source === 'builder') $('chain').value = chainText();
    else {
      state.steps = $('chain').value.split('|').filter((t) => t.trim()).map(parseStep);
      renderSteps();
    }
    schedulePreview();
  }

  // ---- preview ------------------------------------------------------------------------------
  // A path segment: the chain with '|' as %7C (as imgpipe sign writes it), ':' and ',' plain.
  const encodeChain = (c) => encodeURIComponent(c).replace(/%3A/gi, ':').replace(/%2C/gi, ',');

  let previewTimer = 0;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 350);
  }

  async function preview() {
    if (!state.image) return;
    const seq = ++state.previewSeq;
    const chain = chainText();
    const id = state.image.id;
    const path = chain ? `${id}/${encodeChain(chain)}/` : `${id}/`;
    renderLinks(chain);
    status(chain ? `Making ${chain}...` : 'Showing the original.');
    $('preview-box').setAttribute('aria-busy', 'true');
    try {
      const sig = chain ? $('sig').value.trim() : '';
      const query = sig ? `?sig=${encodeURIComponent(sig)}` : '';
      const resp = await fetch(`/image/${path}${query}`, { headers: { Accept: acceptHeader() } });
      if (seq !== state.previewSeq) return;
      if (!resp.ok) throw await failure(resp);
      const info = await resp.json();
      if (seq !== state.previewSeq) return;
      clearError();
      $('json').textContent = JSON.stringify(info, null, 2);
      $('json-box').hidden = false;
      const img = $('preview');
      img.dataset.width = String(info.width);
      img.dataset.height = String(info.height);
      img.dataset.contentType = info.content_type;
      img.onload = () => {
        if (seq !== state.previewSeq) return;
        $('preview-box').removeAttribute('aria-busy');
        img.dataset.ready = chain;
        status(`Preview ready: ${info.width} x ${info.height}, ${info.content_type}, ` +
               `${formatBytes(info.content_length)}${resp.status === 201 ? ' (created)' : ''}.`);
      };
      img.onerror = () => {
        if (seq !== state.previewSeq) return;
        $('preview-box').removeAttribute('aria-busy');
        status(`The browser cannot show ${info.content_type}; the links below still work.`);
      };
      delete img.dataset.ready;
      img.alt = chain ? `The variant ${chain}` : 'The original';
      img.src = info.url;
      img.hidden = false;
      $('preview-empty').hidden = true;
      $('preview-size').textContent = `${info.width} x ${info.height} · ${info.content_type} · ` +
        `${formatBytes(info.content_length)} · id ${info.id}`;
      renderLinks(chain, info);
    } catch (err) {
      if (seq !== state.previewSeq) return;
      // No stale picture beside a chain it does not show.
      $('preview-box').removeAttribute('aria-busy');
      $('preview').hidden = true;
      $('preview').removeAttribute('src');
      $('preview-empty').textContent = 'No preview for this chain: see the error above.';
      $('preview-empty').hidden = false;
      $('preview-size').textContent = '';
      $('json-box').hidden = true;
      report(err);
    }
  }

  // What this browser shows, so that convert:auto picks a format it can display.
  function acceptHeader() { return 'image/avif,image/webp,image/png,image/jpeg,*/*;q=0.5'; }

  function formatBytes(n) {
    if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
    if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${n} bytes`;
  }

  function renderLinks(chain, info) {
    const list = $('link-list');
    list.replaceChildren();
    const id = state.image.id;
    const origin = location.origin;
    const rows = chain
      ? [['JSON', `${origin}/image/${id}/${encodeChain(chain)}/`],
         ['Bytes', `${origin}/bytes/${id}/${encodeChain(chain)}`]]
      : [['JSON', `${origin}/image/${id}/`], ['Bytes', `${origin}/bytes/${id}`]];
    if (info && info.url) rows.push(['Signed url (expires)', info.url]);
    rows.forEach(([label, href], k) => {
      const codeId = `link-${k}`;
      list.append(el('li', { class: 'copy-row' },
        el('span', { class: 'link-label' }, label),
        el('a', { id: codeId, href, class: 'mono', target: '_blank', rel: 'noopener' }, href),
        copyButton(codeId, label)));
    });
    const needSig = state.catalog && state.catalog.transforms_need_signature && chain;
    if ($('sign').dataset.chain !== `${id}/${chain}`) $('sig').value = ''; // a signature covers one chain
    $('sign').dataset.chain = `${id}/${chain}`;
    $('sign').hidden = !needSig;
    if (needSig) {
      $('sign-command').textContent =
        `IMGPIPE_TRANSFORM_KEY=... imgpipe sign '${id}/${chain.replace(/'/g, "'\\''")}' --base ${origin}`;
    }
    $('links').hidden = false;
  }

  function copyButton(targetId, label) {
    const b = el('button', { type: 'button', class: 'button small copy', dataset: { copy: targetId } }, 'Copy');
    b.setAttribute('aria-label', `Copy ${label}`);
    return b;
  }

  async function copy(targetId) {
    const text = $(targetId).textContent;
    try {
      await navigator.clipboard.writeText(text);
      status('Copied.');
    } catch (_) {
      // No clipboard permission (plain http, or an embedded browser): select it for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents($(targetId));
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      status('Selected: press Ctrl+C to copy.');
    }
  }

  // ---- upload --------------------------------------------------------------------------------
  function authHeaders() {
    state.apiKey = $('api-key').value.trim();
    return state.apiKey ? { Authorization: `Bearer ${state.apiKey}` } : {};
  }

  function askForKey() {
    $('key-row').hidden = false;
    $('api-key').focus();
  }

  async function send(url, body, what) {
    clearError();
    status(`Uploading ${what}...`);
    try {
      const resp = await fetch(url, { method: 'POST', body, headers: authHeaders() });
      if (!resp.ok) {
        const err = await failure(resp);
        if (resp.status === 401) askForKey();
        throw err;
      }
      const info = await resp.json();
      uploaded(info);
    } catch (err) {
      report(err);
    }
  }

  function uploadFile(file) {
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    send('/image/upload/', form, file.name);
  }

  function uploaded(info) {
    state.image = info;
    $('meta').hidden = false;
    const dl = $('meta-list');
    dl.replaceChildren();
    const rows = [
      ['id', info.id], ['file', info.filename], ['type', info.content_type],
      ['size', `${info.width} x ${info.height}`], ['bytes', formatBytes(info.content_length)],
      ['etag', info.etag],
    ];
    for (const [k, v] of rows) {
      if (v === undefined || v === '') continue;
      dl.append(el('dt', {}, k), el('dd', { class: k === 'id' || k === 'etag' ? 'mono' : '' }, String(v)));
    }
    $('original').src = info.url;
    status(`Uploaded ${info.filename || 'the image'}: ${info.width} x ${info.height}, ${info.content_type}.`);
    preview();
  }

  // ---- start ---------------------------------------------------------------------------------
  async function loadCatalog() {
    const resp = await fetch('/ops');
    if (!resp.ok) throw await failure(resp);
    const cat = await resp.json();
    state.catalog = cat;
    const add = $('add-op');
    for (const op of cat.ops) {
      state.ops.set(op.name, op);
      for (const a of op.aliases) state.ops.set(a, op);
      add.append(el('option', { value: op.name }, op.name));
    }
    const help = () => {
      const op = state.ops.get(add.value);
      $('add-help').textContent = op ? `${op.summary} ${op.forms.map((f) => f.syntax).join('  ·  ')}` : '';
    };
    add.addEventListener('change', help);
    help();
    if (cat.presets && cat.presets.length) {
      const select = $('preset');
      for (const p of cat.presets) select.append(el('option', { value: p.name }, `${p.name} = ${p.chain}`));
      $('preset-row').hidden = false;
    }
    if (cat.uploads_need_key) $('key-row').hidden = false;
    $('file').title = `at most ${formatBytes(cat.max_upload_bytes)}`;
  }

  function wire() {
    $('file').addEventListener('change', (e) => {
      uploadFile(e.target.files[0]);
      e.target.value = ''; // the same file again is a new upload
    });
    const drop = $('drop');
    ['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    }));
    ['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, () => drop.classList.remove('over')));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) uploadFile(file);
    });
    // A page-wide drop opens the file in the tab otherwise.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    $('link-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const url = $('link').value.trim();
      if (!url) { $('link').focus(); return; }
      send('/image/link/', new URLSearchParams({ file_url: url }), url);
    });
    $('add').addEventListener('click', () => {
      const op = state.ops.get($('add-op').value);
      if (!op) return;
      state.steps.push(newStep(op));
      renderSteps();
      changed('builder');
      const li = $('steps').lastElementChild;
      const first = li && li.querySelector('select, input');
      if (first) first.focus();
      status(`Step ${state.steps.length} added: ${op.name}.`);
    });
    $('use-preset').addEventListener('click', () => {
      state.steps.push({ raw: $('preset').value });
      renderSteps();
      changed('builder');
    });
    $('chain').addEventListener('input', () => changed('text'));
    $('sig').addEventListener('input', schedulePreview);
    document.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-copy]');
      if (b) copy(b.dataset.copy);
    });
  }

  wire();
  loadCatalog().then(() => renderSteps()).catch(report);
})();
