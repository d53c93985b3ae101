/* cnncalc report page: graph (cytoscape.js + dagre), table and charts of one analysis.
   Everything comes from the JSON in #cnncalc-data; nothing is fetched. */
(function () {
  'use strict';

  var DATA = JSON.parse(document.getElementById('cnncalc-data').textContent);
  var R = DATA.report, X = DATA.extra;
  var layers = R.layers, blocks = R.blocks || [];
  var layerBy = new Map(layers.map(function (l) { return [l.name, l]; }));
  var blockBy = new Map(blocks.map(function (b) { return [b.name, b]; }));
  var parents = X.parents || {};

  // ---------------------------------------------------------------- formatting
  function exact(n) { return n == null ? '—' : Number(n).toLocaleString('en-US'); }
  var SI = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  function si(n) {
    for (var i = 0; i < SI.length; i++) if (Math.abs(n) >= SI[i][0]) return (n / SI[i][0]).toFixed(2) + ' ' + SI[i][1];
    return String(n);
  }
  var BIN = [[Math.pow(1024, 4), 'TiB'], [Math.pow(1024, 3), 'GiB'], [1048576, 'MiB'], [1024, 'KiB']];
  function bytes(n) {
    for (var i = 0; i < BIN.length; i++) if (n >= BIN[i][0]) return (n / BIN[i][0]).toFixed(2) + ' ' + BIN[i][1];
    return n + ' B';
  }
  function shape(s) { return s ? s.join('×') : '—'; }
  function pct(part, whole) {
    if (!whole) return '—';
    var v = 100 * part / whole;
    return part === 0 ? '0 %' : v < 0.01 ? '<0.01 %' : v.toFixed(2) + ' %';
  }
  function esc(t) {
    return String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function dotted(name) { return esc(name).replace(/\./g, '.<wbr>'); }   // breaks after dots
  function clip(t, n) { return t.length > n ? t.slice(0, n - 1) + '…' : t; }
  function short(name) { var i = name.lastIndexOf('.'); return i < 0 ? name : name.slice(i + 1); }
  function rfText(rf) { return rf ? rf.size.join('×') : '—'; }
  function joined(v) { return v.every(function (x) { return x === v[0]; }) ? String(v[0]) : v.join('×'); }
  function rfLong(rf) { return rf.size.join('×') + ', jump ' + joined(rf.jump) + ', start ' + joined(rf.start); }

  var METRICS = {
    macs: { label: 'MACs', fmt: si, total: R.totals.macs },
    params: { label: 'params', fmt: si, total: R.totals.params },
    output_bytes: { label: 'activation memory', fmt: bytes, total: null },
    saved_bytes: { label: 'saved for backward', fmt: bytes, total: R.memory ? R.memory.saved_bytes : null }
  };
  function value(item, metric) {   // a layer's or a block's number
    if (item.totals) return item.totals[metric] || 0;
    return item[metric] || 0;
  }

  // colour ramp (ColorBrewer YlOrRd-like), light to dark
  var RAMP = [[255, 247, 236], [253, 212, 158], [252, 141, 89], [215, 48, 31], [127, 0, 0]];
  function ramp(t) {
    t = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
    var i = Math.min(Math.floor(t), RAMP.length - 2), f = t - i;
    var c = RAMP[i].map(function (a, k) { return Math.round(a + (RAMP[i + 1][k] - a) * f); });
    return 'rgb(' + c.join(',') + ')';
  }

  // ---------------------------------------------------------------- the block tree
  // children in execution order: '' is the network itself
  var children = new Map([['', []]]);
  function kids(name) { if (!children.has(name)) children.set(name, []); return children.get(name); }
  var placed = new Set();
  layers.forEach(function (l) {
    var up = '';
    l.scope.forEach(function (b) {
      if (!placed.has(b)) { placed.add(b); kids(up).push({ kind: 'block', name: b }); }
      up = b;
    });
    kids(up).push({ kind: 'layer', name: l.name });
  });
  blocks.forEach(function (b) {   // blocks without layers
    if (!placed.has(b.name)) { placed.add(b.name); kids(parents[b.name] || '').push({ kind: 'block', name: b.name }); }
  });
  function ancestors(blockName) {
    var out = [], p = parents[blockName];
    while (p) { out.unshift(p); p = parents[p]; }
    return out;
  }
  var maxDepth = blocks.reduce(function (m, b) { return Math.max(m, b.depth); }, 0);

  // ---------------------------------------------------------------- header and cards
  var inputShapes = Object.keys(R.inputs).map(function (k) { return shape(R.inputs[k]); });
  document.getElementById('title').textContent = R.name;
  document.title = R.name + ' · cnncalc report';
  var chips = [['input', inputShapes.join(', ')], ['batch', R.batch], ['convention', R.convention],
    ['dtype', R.memory ? R.memory.dtype : 'float32'], ['layers', exact(layers.length)],
    ['blocks', exact(blocks.length)]];
  document.getElementById('meta').innerHTML = chips.map(function (c) {
    return '<span class="chip">' + esc(c[0]) + ' <b>' + esc(c[1]) + '</b></span>';
  }).join('');
  var M = R.memory || {};
  var cards = [
    ['Parameters', si(R.totals.params), exact(R.totals.params) + (R.totals.non_trainable_params ? ' · ' + exact(R.totals.trainable_params) + ' trainable' : '')],
    ['MACs', si(R.totals.macs), exact(R.totals.macs)],
    ['FLOPs', si(R.totals.flops), exact(R.totals.flops)],
    ['Inference memory', M.inference_bytes != null ? bytes(M.inference_bytes) : '—',
      M.params_bytes != null ? 'params ' + bytes(M.params_bytes) + ' · peak act. ' + bytes(M.activation_peak_bytes) : ''],
    ['Training memory', M.training ? bytes(M.training.total_bytes) : '—',
      M.training ? M.training.optimizer + ' · saved ' + bytes(M.saved_bytes) : '']
  ];
  document.getElementById('cards').innerHTML = cards.map(function (c) {
    return '<div class="card"><div class="label">' + esc(c[0]) + '</div><div class="value">' + esc(c[1]) +
      '</div><div class="sub" title="' + esc(c[2]) + '">' + esc(c[2]) + '</div></div>';
  }).join('');
  document.getElementById('foot').textContent = 'cnncalc ' + X.version + ' · ' + R.convention +
    ' convention · every number is exact and covers the whole batch of ' + R.batch +
    ' · this page works offline';

  // ---------------------------------------------------------------- tabs
  var tabs = document.querySelectorAll('.tabs button');
  function showTab(name) {
    tabs.forEach(function (b) { b.classList.toggle('active', b.dataset.tab === name); });
    document.querySelectorAll('.tab').forEach(function (t) { t.classList.toggle('active', t.id === 'tab-' + name); });
    if (name === 'graph' && cy) { cy.resize(); }
    if (name === 'charts') drawCharts();
  }
  tabs.forEach(function (b) { b.addEventListener('click', function () { showTab(b.dataset.tab); }); });

  // ---------------------------------------------------------------- tooltip
  var tip = document.getElementById('tooltip');
  function showTip(html, x, y) {
    tip.innerHTML = html; tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.min(x + 14, window.innerWidth - w - 8) + 'px';
    tip.style.top = Math.min(y + 14, window.innerHeight - h - 8) + 'px';
  }
  function hideTip() { tip.hidden = true; }

  // ---------------------------------------------------------------- graph
  var state = { expanded: new Set(), metric: 'macs', selected: null, layouts: 0 };
  function setDepthState(d) {
    state.expanded = new Set(blocks.filter(function (b) { return d === 0 || b.depth < d; })
      .map(function (b) { return b.name; }));
  }
  setDepthState(X.depth);
  function isOpen(name) { return state.expanded.has(name); }
  function isShown(blockName) { return ancestors(blockName).every(isOpen); }

  var measure = document.createElement('canvas').getContext('2d');
  var FONT = getComputedStyle(document.body).fontFamily;
  function textWidth(t, size, weight) {
    measure.font = (weight || 400) + ' ' + size + 'px ' + FONT;
    return measure.measureText(t).width;
  }

  function argsText(l) {
    var a = X.args[l.name] || {};
    var parts = [];
    function dims(v) { return Array.isArray(v) ? (v.every(function (x) { return x === v[0]; }) ? String(v[0]) : v.join('×')) : String(v); }
    if (a.kernel_size != null) {
      var k = Array.isArray(a.kernel_size) ? a.kernel_size : [a.kernel_size];
      var nd = (l.output_shape.length - 2) || 1;
      var ks = k.length === 1 ? Array(nd).fill(k[0]) : k;
      parts.push(ks.join('×'));
      if (a.stride != null && dims(a.stride) !== '1') parts.push('/' + dims(a.stride));
    }
    if (a.out_channels != null) parts.push(a.out_channels + ' ch');
    else if (a.out_features != null) parts.push(a.out_features);
    if (a.groups != null && a.groups !== 1) parts.push('g' + a.groups);
    if (a.dilation != null && dims(a.dilation) !== '1') parts.push('d' + dims(a.dilation));
    if (a.p != null && /Dropout/.test(l.type)) parts.push('p=' + a.p);
    return parts.join(' ');
  }

  function nodeFor(kind, name) {   // element data for a drawn node
    var d = { kind: kind, name: name };
    if (kind === 'input') {
      d.id = 'i:' + name; d.lines = [name, shape(R.inputs[name])]; d.value = 0;
    } else if (kind === 'layer') {
      var l = layerBy.get(name), at = argsText(l);
      d.id = 'l:' + name;
      d.lines = [short(name), l.type + (at ? ' · ' + at : '')];
      d.value = value(l, state.metric);
      if (d.value) d.lines.push(METRICS[state.metric].fmt(d.value) + ' ' + (state.metric === 'macs' ? 'MACs' : state.metric === 'params' ? 'params' : ''));
      if ((X.outputs || [X.output]).indexOf(name) >= 0) d.output = 1;
    } else {
      var b = blockBy.get(name);
      d.id = 'b:' + name;
      d.lines = ['▸ ' + short(name), b.type + ' · ' + exact(b.layers) + ' layers'];
      d.value = value(b, state.metric);
      if (d.value) d.lines.push(METRICS[state.metric].fmt(d.value) + ' ' + (state.metric === 'macs' ? 'MACs' : state.metric === 'params' ? 'params' : ''));
    }
    d.label = d.lines.join('\n');
    var w = 0;
    d.lines.forEach(function (t, i) { w = Math.max(w, textWidth(t, i ? 10 : 11.5, i ? 400 : 600)); });
    d.w = Math.max(96, Math.ceil(w) + 26);
    d.h = 12 + 14 * d.lines.length;
    return d;
  }

  function elements() {
    var els = [], drawnOf = new Map(), seen = new Set(), peak = 0, nodes = [];
    Object.keys(R.inputs).forEach(function (name) {
      var d = nodeFor('input', name); nodes.push(d); drawnOf.set(name, d.id);
    });
    layers.forEach(function (l) {
      var parent = null, id = null;
      for (var i = 0; i < l.scope.length; i++) {
        if (!isOpen(l.scope[i])) { id = 'b:' + l.scope[i]; break; }
        parent = l.scope[i];
      }
      if (id === null) id = 'l:' + l.name;
      drawnOf.set(l.name, id);
      if (seen.has(id)) return;
      seen.add(id);
      var d = id[0] === 'b' ? nodeFor('block', id.slice(2)) : nodeFor('layer', l.name);
      if (parent) d.parent = 'b:' + parent;
      nodes.push(d);
    });
    nodes.forEach(function (d) { peak = Math.max(peak, d.value); });
    nodes.forEach(function (d) {
      var t = peak ? Math.sqrt(d.value / peak) : 0;
      d.fill = d.kind === 'input' ? '#e8f1fb' : d.value ? ramp(0.08 + 0.92 * t) : '#ffffff';
      d.ink = d.value && t > 0.55 ? '#ffffff' : '#1d2433';
      d.border = d.kind === 'input' ? '#4a7ab8' : d.value && t > 0.3 ? '#8c2d1d' : '#8a94a6';
      els.push({ group: 'nodes', data: d });
    });
    blocks.forEach(function (b) {
      if (isOpen(b.name) && isShown(b.name)) {
        var d = { id: 'b:' + b.name, kind: 'group', name: b.name,
          label: '▾ ' + short(b.name) + '  ·  ' + b.type + '  ·  ' + METRICS[state.metric].fmt(value(b, state.metric)) + ' ' + (state.metric === 'macs' ? 'MACs' : state.metric === 'params' ? 'params' : '') };
        if (parents[b.name]) d.parent = 'b:' + parents[b.name];
        els.push({ group: 'nodes', data: d });
      }
    });
    var edges = new Set(), labelled = new Set();
    layers.forEach(function (l) {
      var target = drawnOf.get(l.name);
      l.from.forEach(function (src) {
        var source = drawnOf.get(src);
        if (!source || source === target || edges.has(source + '>' + target)) return;
        edges.add(source + '>' + target);
        var s = shape(R.inputs[src] || (layerBy.get(src) || {}).output_shape);
        var d = { id: 'e' + edges.size, source: source, target: target, shape: s };
        // the shape is written once under the node that outputs it, not on each of its edges
        if (!labelled.has(source + ' ' + s)) { labelled.add(source + ' ' + s); d.label = s; }
        els.push({ group: 'edges', data: d });
      });
    });
    state.peak = peak;
    return els;
  }

  var cy = null;
  var STYLE = [
    { selector: 'node', style: {
      'shape': 'round-rectangle', 'label': 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center',
      'text-halign': 'center', 'font-family': FONT, 'font-size': 10.5, 'line-height': 1.3,
      'border-width': 1, 'corner-radius': 6 } },
    { selector: 'node[w]', style: {
      'width': 'data(w)', 'height': 'data(h)', 'color': 'data(ink)', 'background-color': 'data(fill)',
      'border-color': 'data(border)' } },
    { selector: 'node[kind = "block"]', style: { 'border-width': 4, 'border-style': 'double', 'font-weight': 600 } },
    { selector: 'node[kind = "input"]', style: { 'font-weight': 600, 'border-width': 1.5 } },
    { selector: 'node[?output]', style: { 'border-width': 2.5, 'border-color': '#2f6fdf' } },
    { selector: ':parent', style: {
      'shape': 'round-rectangle', 'background-color': '#eef2f8', 'background-opacity': 0.55,
      'border-width': 1, 'border-style': 'dashed', 'border-color': '#9aa5b8', 'padding': 14,
      'label': 'data(label)', 'text-valign': 'top', 'text-halign': 'left', 'text-margin-y': 20,
      'text-margin-x': -6, 'text-justification': 'right',
      'font-size': 11, 'font-weight': 600, 'color': '#3b4456', 'corner-radius': 10,
      'text-background-color': '#ffffff', 'text-background-opacity': 1, 'text-background-padding': 3,
      'text-background-shape': 'round-rectangle', 'text-border-width': 1, 'text-border-color': '#c5cdd9',
      'text-border-opacity': 1 } },
    { selector: 'edge', style: {
      'width': 1.3, 'line-color': '#8d97a8', 'target-arrow-color': '#8d97a8', 'target-arrow-shape': 'triangle',
      'arrow-scale': 0.8, 'curve-style': 'bezier', 'font-size': 9, 'font-family': FONT,
      'color': '#5b6474', 'text-background-color': '#ffffff', 'text-background-opacity': 0.9,
      'text-background-padding': 2, 'text-background-shape': 'round-rectangle', 'text-rotation': 'none' } },
    { selector: 'edge[label]', style: { 'source-label': 'data(label)', 'source-text-offset': 22 } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#2f6fdf', 'overlay-opacity': 0 } },
    { selector: 'node.found', style: { 'border-width': 3, 'border-color': '#2f6fdf' } },
    { selector: 'node.hover', style: { 'underlay-color': '#2f6fdf', 'underlay-opacity': 0.12, 'underlay-padding': 5 } },
    { selector: 'edge.hover', style: { 'line-color': '#2f6fdf', 'target-arrow-color': '#2f6fdf', 'width': 2, 'z-index': 9 } }
  ];

  function layoutOptions() {
    return { name: 'dagre', rankDir: 'TB', nodeSep: 26, rankSep: 38, edgeSep: 12, fit: false,
      animate: false, nodeDimensionsIncludeLabels: false };
  }

  function draw(keepId) {
    var before = null;
    if (cy && keepId) {
      var old = cy.getElementById(keepId);
      if (old.nonempty()) before = old.renderedBoundingBox();
    }
    cy.batch(function () {
      cy.elements().remove();
      cy.add(elements());
    });
    var layout = cy.layout(layoutOptions());
    layout.one('layoutstop', function () {
      var now = keepId ? cy.getElementById(keepId) : null;
      if (before && now && now.nonempty()) {   // keep the toggled block where it was
        var bb = now.renderedBoundingBox();
        cy.panBy({ x: (before.x1 + before.x2) / 2 - (bb.x1 + bb.x2) / 2, y: before.y1 - bb.y1 });
      } else {
        home();
      }
      if (state.selected) {
        var sel = cy.getElementById(state.selected);
        if (sel.nonempty()) sel.select();
      }
      legend();
      state.layouts += 1;
      window.__cnncalcLayouts = state.layouts;
      if (window.cnncalc) window.__cnncalcReady = true;
    });
    layout.run();
  }

  function home() {   // the whole graph, or its top at a readable size when it is tall
    cy.fit(undefined, 30);
    var fitted = cy.zoom();
    if (fitted < 0.9) {
      var bb = cy.elements().boundingBox(), w = cy.width();
      var z = Math.max(fitted, Math.min(1, (w - 60) / bb.w));
      cy.zoom(z);
      cy.pan({ x: (w - bb.w * z) / 2 - bb.x1 * z, y: 24 - bb.y1 * z });
    } else if (fitted > 1.25) {
      cy.zoom(1.25);
      cy.center();
    }
  }

  function legend() {
    var m = METRICS[state.metric];
    var stops = [0, 0.25, 0.5, 0.75, 1].map(function (t) { return ramp(0.08 + 0.92 * t) + ' ' + (t * 100) + '%'; });
    document.getElementById('legend').innerHTML =
      '<div>Colour: <b>' + esc(m.label) + '</b> per drawn node</div>' +
      '<div class="bar" style="background: linear-gradient(90deg,' + stops.join(',') + ')"></div>' +
      '<div class="ends"><span>0</span><span>' + esc(m.fmt(state.peak || 0)) + '</span></div>' +
      '<div class="kinds"><span>layer</span><span class="blk">closed block</span><span class="grp">open block</span></div>' +
      '<div class="help">click a block to open or close it · scroll to zoom · drag to pan</div>';
  }

  function toggle(name, open) {
    if (!blockBy.has(name)) return false;
    var was = isOpen(name);
    var now = open == null ? !was : !!open;
    if (now === was) return false;
    if (now) state.expanded.add(name);
    else {
      state.expanded.delete(name);
      // a closed block hides its inner blocks; they stay as they were for when it reopens
    }
    state.selected = 'b:' + name;
    draw('b:' + name);
    showDetails('block', name);
    return true;
  }
  function setDepth(d) {
    setDepthState(d);
    document.getElementById('depth').value = String(d);
    draw(null);
  }

  // ---------------------------------------------------------------- side panel
  function shareRows(item) {
    var keys = [['params', 'params'], ['macs', 'MACs'], ['saved_bytes', 'saved for backward']];
    return keys.map(function (k) {
      var total = k[0] === 'saved_bytes' ? (R.memory ? R.memory.saved_bytes : 0) : R.totals[k[0]];
      var v = value(item, k[0]);
      var p = total ? 100 * v / total : 0;
      return '<div class="sharerow"><span>' + k[1] + '</span><span>' + pct(v, total) + '</span></div>' +
        '<div class="share"><i style="width:' + Math.min(100, p).toFixed(2) + '%"></i></div>';
    }).join('');
  }
  function dl(rows) {
    return '<dl>' + rows.map(function (r) { return '<dt>' + esc(r[0]) + '</dt><dd>' + esc(r[1]) + '</dd>'; }).join('') + '</dl>';
  }
  function crumbs(scope) {
    return scope.length ? '<div class="crumbs">in ' + scope.map(function (s) { return esc(short(s)); }).join(' › ') + '</div>' : '';
  }
  var panel = document.getElementById('panel');
  function showDetails(kind, name) {
    var html = '';
    if (kind === 'layer') {
      var l = layerBy.get(name);
      html += '<div class="kind">' + esc(l.type) + '</div><h2>' + dotted(name) + '</h2>' + crumbs(l.scope);
      html += dl([['Output shape', shape(l.output_shape)], ['From', l.from.map(short).join(', ') || '—'],
        ['Params', exact(l.params)], ['Trainable', exact(l.trainable_params)], ['Buffers', exact(l.buffers)],
        ['MACs', exact(l.macs)], ['FLOPs', exact(l.flops)], ['Output size', bytes(l.output_bytes)],
        ['Saved for backward', bytes(l.saved_bytes)],
        ['Receptive field', l.receptive_field ? rfLong(l.receptive_field) : (l.receptive_field_reason || '—')]]);
      html += '<h3>Share of the network</h3>' + shareRows(l);
      var a = X.args[name] || {};
      var keys = Object.keys(a);
      if (keys.length) {
        html += '<h3>Arguments</h3>' + dl(keys.map(function (k) {
          var v = a[k];
          return [k, v === null ? 'None' : typeof v === 'object' ? JSON.stringify(v) : String(v)];
        }));
      }
    } else if (kind === 'block') {
      var b = blockBy.get(name);
      html += '<div class="kind">block · ' + esc(b.type) + '</div><h2>' + dotted(name) + '</h2>' + crumbs(ancestors(name));
      html += '<p><button type="button" id="panel-toggle">' + (isOpen(name) ? 'Close this block' : 'Open this block') + '</button></p>';
      html += dl([['Layers', exact(b.layers)], ['Output shape', shape(b.output_shape)], ['From', b.from.join(', ')],
        ['Output layer', b.output], ['Params', exact(b.totals.params)], ['Buffers', exact(b.totals.buffers)],
        ['MACs', exact(b.totals.macs)], ['FLOPs', exact(b.totals.flops)], ['Output sizes', bytes(b.totals.output_bytes)],
        ['Saved for backward', bytes(b.totals.saved_bytes)]]);
      html += '<h3>Share of the network</h3>' + shareRows(b);
      var ak = Object.keys(b.args || {});
      if (ak.length) html += '<h3>Arguments</h3>' + dl(ak.map(function (k) { return [k, JSON.stringify(b.args[k])]; }));
    } else if (kind === 'input') {
      html += '<div class="kind">input</div><h2>' + esc(name) + '</h2>' + dl([['Shape', shape(R.inputs[name])],
        ['Size', M.input_bytes != null ? bytes(M.input_bytes) : '—']]);
    } else {
      html += '<div class="empty"><h2>' + esc(R.name) + '</h2>' +
        '<p>Hover or click a node to see its numbers here.</p>' +
        '<p>A node with a double border is a <b>closed block</b>: click it to open it; click the frame of an open block to close it.</p>' +
        '<p>Node colour: the chosen cost, darker is more.</p></div>';
      if (R.notes && R.notes.length) {
        html += '<h3>Notes</h3>' + R.notes.map(function (n) { return '<p class="note">' + esc(n.message) + '</p>'; }).join('');
      }
      html += dl([['Layers', exact(layers.length)], ['Block instances', exact(blocks.length)], ['Params', exact(R.totals.params)],
        ['Buffers', exact(R.totals.buffers)], ['MACs', exact(R.totals.macs)], ['FLOPs', exact(R.totals.flops)]]);
      if (R.memory) {
        html += '<h3>Memory (' + esc(R.memory.dtype) + ')</h3>' + dl([['Input', bytes(M.input_bytes)], ['Parameters', bytes(M.params_bytes)],
          ['Buffers', bytes(M.buffers_bytes)], ['Activation peak', bytes(M.activation_peak_bytes)], ['Inference', bytes(M.inference_bytes)],
          ['Saved for backward', bytes(M.saved_bytes)], ['Gradients', bytes(M.training.gradients_bytes)],
          ['Optimizer (' + M.training.optimizer + ')', bytes(M.training.optimizer_state_bytes)], ['Training', bytes(M.training.total_bytes)]]);
      }
    }
    panel.innerHTML = html;
    panel.dataset.kind = kind || '';
    panel.dataset.name = name || '';
    var btn = document.getElementById('panel-toggle');
    if (btn) btn.addEventListener('click', function () { toggle(name); });
  }

  function startGraph() {
    cy = cytoscape({ container: document.getElementById('cy'), style: STYLE, elements: [],
      minZoom: 0.05, maxZoom: 3, boxSelectionEnabled: false,
      autoungrabify: true });
    cy.on('tap', 'node', function (ev) {
      var d = ev.target.data();
      if (d.kind === 'block') { toggle(d.name, true); return; }
      if (d.kind === 'group') { toggle(d.name, false); return; }
      state.selected = d.id;
      showDetails(d.kind, d.name);
    });
    cy.on('tap', function (ev) { if (ev.target === cy) { state.selected = null; showDetails(null); } });
    cy.on('mouseover', 'node', function (ev) {
      var n = ev.target, d = n.data();
      n.addClass('hover');
      n.connectedEdges().addClass('hover');
      if (d.kind !== 'group') {
        var item = d.kind === 'layer' ? layerBy.get(d.name) : blockBy.get(d.name);
        var rows = d.kind === 'input' ? shape(R.inputs[d.name]) : item ?
          'params <span class="n">' + exact(value(item, 'params')) + '</span> · MACs <span class="n">' + exact(value(item, 'macs')) + '</span>' : '';
        var p = ev.renderedPosition || n.renderedPosition(), box = cy.container().getBoundingClientRect();
        showTip('<div class="t">' + esc(d.name) + '</div>' + rows + (d.kind === 'block' ? '<div>click to open</div>' : ''), box.left + p.x, box.top + p.y);
      }
      if (!state.selected && d.kind !== 'group') showDetails(d.kind, d.name);
    });
    cy.on('mouseout', 'node', function (ev) { ev.target.removeClass('hover'); ev.target.connectedEdges().removeClass('hover'); hideTip(); });
    cy.on('viewport', hideTip);
    if (window.ResizeObserver) {   // the canvas follows its box (window resized, tab shown)
      new ResizeObserver(function () { cy.resize(); }).observe(document.getElementById('cy'));
    }
    draw(null);
  }

  // toolbar
  var depthSel = document.getElementById('depth');
  var depthOpts = ['<option value="0">every layer</option>'];
  for (var dd = 1; dd <= maxDepth; dd++) depthOpts.push('<option value="' + dd + '">' + dd + (dd === 1 ? ' (top blocks)' : '') + '</option>');
  depthSel.innerHTML = depthOpts.join('');
  depthSel.value = String(X.depth);
  if (!maxDepth) depthSel.disabled = true;
  depthSel.addEventListener('change', function () { setDepth(Number(depthSel.value)); });
  document.getElementById('metric').addEventListener('change', function (ev) {
    state.metric = ev.target.value;
    draw(null);
  });
  document.getElementById('expand-all').addEventListener('click', function () { setDepth(0); });
  document.getElementById('collapse-all').addEventListener('click', function () { if (maxDepth) setDepth(1); });
  document.getElementById('fit').addEventListener('click', function () { cy.fit(undefined, 30); });
  document.getElementById('find').addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    var q = ev.target.value.trim().toLowerCase();
    if (!q) return;
    var hit = layers.find(function (l) { return l.name.toLowerCase() === q; }) ||
      layers.find(function (l) { return l.name.toLowerCase().indexOf(q) >= 0 || l.type.toLowerCase() === q; });
    if (!hit) { ev.target.style.borderColor = '#d7301f'; return; }
    ev.target.style.borderColor = '';
    reveal(hit.name);
  });
  function reveal(layerName) {   // open the blocks around a layer and centre it
    var l = layerBy.get(layerName);
    if (!l) return false;
    var changed = false;
    l.scope.forEach(function (b) { if (!isOpen(b)) { state.expanded.add(b); changed = true; } });
    state.selected = 'l:' + layerName;
    var centre = function () {
      var n = cy.getElementById('l:' + layerName);
      cy.nodes().removeClass('found');
      n.addClass('found');
      cy.zoom(Math.max(cy.zoom(), 0.9));
      cy.center(n);
      showDetails('layer', layerName);
    };
    if (changed) { cy.one('layoutstop', centre); draw(null); } else centre();
  }

  // ---------------------------------------------------------------- table
  var COLS = [
    { key: 'name', label: 'Layer (type)', left: true },
    { key: 'output_shape', label: 'Output shape', left: true },
    { key: 'params', label: 'Params', num: true },
    { key: 'macs', label: 'MACs', num: true },
    { key: 'flops', label: 'FLOPs', num: true },
    { key: 'share', label: '% MACs', num: true },
    { key: 'output_bytes', label: 'Output size', num: true, bytes: true },
    { key: 'saved_bytes', label: 'Saved for backward', num: true, bytes: true },
    { key: 'rf', label: 'Receptive field', num: true }
  ];
  var tableState = { sort: null, desc: true, filter: '', closed: new Set() };
  blocks.forEach(function (b) { if (X.depth && b.depth >= X.depth) tableState.closed.add(b.name); });
  function cellValue(item, key) {
    if (key === 'share') return value(item, 'macs');
    if (key === 'rf') {
      var l = item.totals ? layerBy.get(item.output) : item;
      return l && l.receptive_field ? l.receptive_field.size[0] : -1;
    }
    if (key === 'name') return item.name;
    if (key === 'output_shape') return item.output_shape.reduce(function (a, b) { return a * b; }, 1);
    return value(item, key);
  }
  function cells(item, isBlock, depth) {
    var peakMacs = R.totals.macs || 1;
    return COLS.map(function (c) {
      var v, text;
      if (c.key === 'name') {
        var pad = 'padding-left:' + (12 + 16 * depth) + 'px';
        var tog = isBlock ? '<span class="tog">' + (tableState.closed.has(item.name) ? '▸' : '▾') + '</span>' : '<span class="tog"></span>';
        var heat = '<span class="heat" style="background:' + (value(item, 'macs') ? ramp(0.08 + 0.92 * Math.sqrt(value(item, 'macs') / peakMacs)) : '#eef0f4') + '"></span>';
        var label = tableState.filter ? item.name : short(item.name);
        return '<td class="left name" style="' + pad + '">' + tog + heat + esc(label) + '<span class="type">' + esc(item.type) + (isBlock ? ' · ' + item.layers + ' layers' : '') + '</span></td>';
      }
      if (c.key === 'output_shape') return '<td class="left num">' + esc(shape(item.output_shape)) + '</td>';
      if (c.key === 'share') return '<td class="num">' + pct(value(item, 'macs'), R.totals.macs) + '</td>';
      if (c.key === 'rf') {
        var l = isBlock ? layerBy.get(item.output) : item;
        return '<td class="num">' + esc(l ? rfText(l.receptive_field) : '—') + '</td>';
      }
      v = value(item, c.key);
      text = c.bytes ? bytes(v) : exact(v);
      return '<td class="num" data-key="' + c.key + '" data-value="' + v + '"' + (c.bytes ? ' title="' + exact(v) + ' bytes"' : '') + '>' + esc(text) + '</td>';
    }).join('');
  }
  function sorted(list) {
    if (!tableState.sort) return list;
    var key = tableState.sort, sign = tableState.desc ? -1 : 1;
    return list.slice().sort(function (a, b) {
      var x = cellValue(a.item, key), y = cellValue(b.item, key);
      if (typeof x === 'string') return sign * x.localeCompare(y);
      return sign * (x - y);
    });
  }
  function tableRows() {
    var out = [];
    var f = tableState.filter;
    if (f) {
      var list = [];
      blocks.forEach(function (b) { if ((b.name + ' ' + b.type).toLowerCase().indexOf(f) >= 0) list.push({ kind: 'block', item: b }); });
      layers.forEach(function (l) { if ((l.name + ' ' + l.type).toLowerCase().indexOf(f) >= 0) list.push({ kind: 'layer', item: l }); });
      sorted(list).forEach(function (e) { out.push({ kind: e.kind, item: e.item, depth: 0 }); });
      return out;
    }
    (function walk(parent, depth) {
      var list = kids(parent).map(function (c) {
        return { kind: c.kind, item: c.kind === 'layer' ? layerBy.get(c.name) : blockBy.get(c.name) };
      });
      sorted(list).forEach(function (e) {
        out.push({ kind: e.kind, item: e.item, depth: depth });
        if (e.kind === 'block' && !tableState.closed.has(e.item.name)) walk(e.item.name, depth + 1);
      });
    })('', 0);
    return out;
  }
  function drawTable() {
    var head = document.querySelector('#summary thead tr');
    head.innerHTML = COLS.map(function (c) {
      var arrow = tableState.sort === c.key ? '<span class="arrow">' + (tableState.desc ? '▼' : '▲') + '</span>' : '';
      return '<th data-key="' + c.key + '" class="' + (c.left ? 'left' : '') + '">' + esc(c.label) + arrow + '</th>';
    }).join('');
    var rows = tableRows();
    var body = document.querySelector('#summary tbody');
    body.innerHTML = rows.map(function (r) {
      var isBlock = r.kind === 'block';
      return '<tr class="' + (isBlock ? 'block' : 'layer') + '" data-kind="' + r.kind + '" data-name="' + esc(r.item.name) + '">' +
        cells(r.item, isBlock, r.depth) + '</tr>';
    }).join('');
    var shown = rows.filter(function (r) { return r.kind === 'layer'; }).length;
    document.getElementById('table-count').textContent = tableState.filter
      ? rows.length + ' rows match' : shown + ' of ' + layers.length + ' layers shown' + (blocks.length ? ' · ' + blocks.length + ' block instances' : '');
    document.querySelector('#summary tfoot').innerHTML = '<tr>' + COLS.map(function (c) {
      if (c.key === 'name') return '<td class="left">Total (' + exact(layers.length) + ' layers)</td>';
      if (c.key === 'params' || c.key === 'macs' || c.key === 'flops') return '<td class="num" data-key="' + c.key + '" data-value="' + R.totals[c.key] + '">' + exact(R.totals[c.key]) + '</td>';
      if (c.key === 'share') return '<td class="num">100 %</td>';
      if (c.key === 'saved_bytes' && R.memory) return '<td class="num">' + bytes(R.memory.saved_bytes) + '</td>';
      if (c.key === 'output_bytes' && R.memory) return '<td class="num">' + bytes(R.memory.activations_bytes) + '</td>';
      return '<td></td>';
    }).join('') + '</tr>';
  }
  document.querySelector('#summary thead').addEventListener('click', function (ev) {
    var th = ev.target.closest('th');
    if (!th) return;
    var key = th.dataset.key;
    if (tableState.sort !== key) { tableState.sort = key; tableState.desc = key !== 'name'; }
    else if (tableState.desc === (key !== 'name')) tableState.desc = !tableState.desc;
    else tableState.sort = null;   // third click: execution order again
    drawTable();
  });
  document.querySelector('#summary tbody').addEventListener('click', function (ev) {
    var tr = ev.target.closest('tr');
    if (!tr) return;
    if (tr.dataset.kind === 'block') {
      var n = tr.dataset.name;
      if (tableState.closed.has(n)) tableState.closed.delete(n); else tableState.closed.add(n);
      drawTable();
    } else {
      document.querySelectorAll('#summary tr.selected').forEach(function (t) { t.classList.remove('selected'); });
      tr.classList.add('selected');
    }
  });
  document.querySelector('#summary tbody').addEventListener('dblclick', function (ev) {
    var tr = ev.target.closest('tr');
    if (tr && tr.dataset.kind === 'layer') { showTab('graph'); reveal(tr.dataset.name); }
  });
  document.getElementById('filter').addEventListener('input', function (ev) {
    tableState.filter = ev.target.value.trim().toLowerCase();
    drawTable();
  });
  document.getElementById('table-expand').addEventListener('click', function () { tableState.closed.clear(); drawTable(); });
  document.getElementById('table-collapse').addEventListener('click', function () {
    blocks.forEach(function (b) { tableState.closed.add(b.name); }); drawTable();
  });

  // ---------------------------------------------------------------- charts
  var CHARTS = [
    { key: 'params', title: 'Parameters', fmt: si, color: '#4c78a8' },
    { key: 'macs', title: 'MACs', fmt: si, color: '#e45756' },
    { key: 'output_bytes', title: 'Activation memory (output size)', fmt: bytes, color: '#54a24b' },
    { key: 'rf', title: 'Receptive field (size along the first spatial dim)', fmt: function (v) { return String(v); }, color: '#b279a2' }
  ];
  function chartUnits(unit) {
    if (unit === 'layer') return layers.map(function (l) { return { name: l.name, type: l.type, item: l }; });
    return kids('').map(function (c) {
      var item = c.kind === 'layer' ? layerBy.get(c.name) : blockBy.get(c.name);
      return { name: c.name, type: item.type, item: item };
    });
  }
  function chartValue(u, key) {
    if (key === 'rf') {
      var l = u.item.totals ? layerBy.get(u.item.output) : u.item;
      return l && l.receptive_field ? l.receptive_field.size[0] : 0;
    }
    return value(u.item, key);
  }
  function niceMax(v, binary) {
    if (v <= 0) return 1;
    if (binary) {   // bytes: a nice number of KiB, MiB, GiB
      var unit = 1;
      while (v >= 1024 * unit) unit *= 1024;
      return niceMax(v / unit) * unit;
    }
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
  }
  var chartsDrawn = null;
  function drawCharts() {
    var unit = document.getElementById('chart-unit').value;
    var box = document.getElementById('charts');
    if (chartsDrawn === unit + box.clientWidth) return;
    chartsDrawn = unit + box.clientWidth;
    var units = chartUnits(unit);
    box.innerHTML = CHARTS.map(function (c) {
      return '<div class="chart" data-key="' + c.key + '"><h3>' + esc(c.title) + '</h3><div class="note"></div><svg></svg></div>';
    }).join('');
    box.querySelectorAll('.chart').forEach(function (el, i) {
      var c = CHARTS[i], svg = el.querySelector('svg');
      var W = Math.max(480, svg.getBoundingClientRect().width || 600), H = 200;
      var labels = unit === 'block';
      var padL = 66, padB = labels ? 78 : 18, padT = 14, padR = 8;
      var tick = function (v) { return c.fmt(v).replace(/\.00(?= |$)/, ''); };
      var vals = units.map(function (u) { return chartValue(u, c.key); });
      var top = niceMax(Math.max.apply(null, vals.concat([0])), c.fmt === bytes);
      var n = units.length, iw = W - padL - padR, ih = H - padT - padB, bw = iw / Math.max(n, 1);
      var parts = [];
      for (var g = 0; g <= 4; g++) {
        var y = padT + ih - ih * g / 4;
        parts.push('<line class="grid" x1="' + padL + '" x2="' + (W - padR) + '" y1="' + y + '" y2="' + y + '"/>');
        parts.push('<text class="axis" x="' + (padL - 6) + '" y="' + (y + 3) + '" text-anchor="end">' + esc(tick(top * g / 4)) + '</text>');
      }
      units.forEach(function (u, k) {
        var v = vals[k], h = ih * v / top, x = padL + k * bw;
        parts.push('<rect class="bar" data-i="' + k + '" x="' + (x + Math.min(1, bw * 0.15)).toFixed(2) + '" y="' + (padT + ih - h).toFixed(2) +
          '" width="' + Math.max(0.6, bw - Math.min(2, bw * 0.3)).toFixed(2) + '" height="' + Math.max(0, h).toFixed(2) + '" rx="' + (bw > 6 ? 2 : 0) + '" fill="' + c.color + '"/>');
        if (labels && v > 0 && bw > 34) {
          parts.push('<text class="axis" x="' + (x + bw / 2).toFixed(2) + '" y="' + (padT + ih - h - 3).toFixed(2) +
            '" text-anchor="middle">' + esc(tick(v)) + '</text>');
        }
        if (labels) {
          parts.push('<text class="axis" transform="translate(' + (x + bw / 2 + 3) + ',' + (padT + ih + 6) + ') rotate(-45)" text-anchor="end">' + esc(clip(short(u.name), 15)) + '</text>');
        }
      });
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      svg.setAttribute('height', H);
      svg.innerHTML = parts.join('');
      var biggest = vals.indexOf(Math.max.apply(null, vals));
      el.querySelector('.note').textContent = n + (unit === 'layer' ? ' layers' : ' top-level blocks and layers') +
        (biggest >= 0 && vals[biggest] > 0 ? ' · largest: ' + units[biggest].name + ' (' + c.fmt(vals[biggest]) + ')' : '');
      svg.addEventListener('mousemove', function (ev) {
        var r = ev.target.closest('rect.bar');
        if (!r) { hideTip(); return; }
        var u = units[Number(r.dataset.i)];
        showTip('<div class="t">' + esc(u.name) + ' <span style="opacity:.7">' + esc(u.type) + '</span></div>' +
          esc(c.title.split(' (')[0]) + ': <span class="n">' + esc(c.key === 'rf' ? String(vals[Number(r.dataset.i)]) : exact(vals[Number(r.dataset.i)])) + '</span>', ev.clientX, ev.clientY);
      });
      svg.addEventListener('mouseleave', hideTip);
    });
  }
  document.getElementById('chart-unit').addEventListener('change', drawCharts);
  window.addEventListener('resize', function () { if (document.getElementById('tab-charts').classList.contains('active')) drawCharts(); });

  // ---------------------------------------------------------------- start
  showDetails(null);
  drawTable();
  startGraph();

  // for scripts and tests: the page's state and its actions
  window.cnncalc = {
    data: DATA,
    cy: cy,
    toggle: toggle,
    open: function (name) { return toggle(name, true); },
    close: function (name) { return toggle(name, false); },
    setDepth: setDepth,
    setMetric: function (m) { var s = document.getElementById('metric'); s.value = m; s.dispatchEvent(new Event('change')); },
    showTab: showTab,
    reveal: reveal,
    drawnNodes: function () { return cy.nodes().filter(function (n) { return n.data('kind') !== 'group'; }).map(function (n) { return n.id(); }); },
    openBlocks: function () { return cy.nodes('[kind = "group"]').map(function (n) { return n.data('name'); }); },
    layouts: function () { return state.layouts; }
  };
  if (state.layouts > 0) window.__cnncalcReady = true;
})();
