// The owner's console: lists the signed-in user's sandboxes and shares their ports through /_runtime/api/.
// Everything shown is set as text (never as HTML), and every write carries the CSRF token the session gave.
(function () {
  'use strict';

  var state = { csrf: null, runtimeUrl: null };
  var LEVELS = [['authenticated', 'Signed-in users'], ['users', 'Named users'], ['public', 'Public']];
  var AUDIENCE = { authenticated: 'every signed-in user', users: 'you and the users you named',
    public: 'anyone with the link' };

  function byId(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'text') { node.textContent = props[k]; } else if (k === 'class') { node.className = props[k]; }
      else { node.setAttribute(k, props[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function say(text, isError) {
    var m = byId('message');
    m.textContent = text;
    m.className = isError ? 'error' : '';
  }

  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (method !== 'GET') { init.headers['X-CSRF-Token'] = state.csrf; }
    if (body) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch('/_runtime/api/' + path, init).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) { throw new Error(json.detail || ('the gateway answered ' + r.status)); }
        return json;
      });
    });
  }

  function link(id, port) {
    return state.runtimeUrl.replace('{port}', String(port)).replace('{id}', id);
  }

  function when(epochSeconds) {
    if (!epochSeconds) { return el('span', { text: '-' }); }
    var date = new Date(epochSeconds * 1000);
    var ago = Math.max(0, Math.round((Date.now() - date.getTime()) / 60000));
    var text = ago < 1 ? 'just now' : ago < 60 ? ago + ' min ago' : ago < 2880 ? Math.round(ago / 60) + ' h ago'
      : date.toLocaleDateString();
    return el('time', { datetime: date.toISOString(), title: date.toString(), text: text });
  }

  function levelName(level) {
    for (var i = 0; i < LEVELS.length; i++) { if (LEVELS[i][0] === level) { return LEVELS[i][1]; } }
    return level;
  }

  function sharesCell(sandbox) {
    var ports = Object.keys(sandbox.shares);
    if (ports.length === 0) { return el('td', { text: 'None: every port is yours only' }); }
    var list = el('ul', { class: 'shares' });
    ports.forEach(function (port) {
      var share = sandbox.shares[port];
      var how = levelName(share.level) + (share.users ? ' (' + share.users.join(', ') + ')' : '');
      var stop = el('button', { type: 'button', text: 'Stop sharing', 'data-port': port });
      stop.addEventListener('click', function () {
        api('DELETE', 'sandboxes/' + sandbox.id + '/ports/' + port + '/share').then(function () {
          say('Port ' + port + ' is yours only again.');
          load();
        }, function (e) { say(e.message, true); });
      });
      list.appendChild(el('li', { 'data-port': port }, [
        el('a', { href: link(sandbox.id, port), target: '_blank', rel: 'noopener', text: 'Port ' + port }),
        el('span', { class: 'level', text: ': ' + how + ' ' }), stop]));
    });
    return el('td', {}, [list]);
  }

  function shareForm(sandbox) {
    var port = el('input', { type: 'number', min: '1', max: '65535', value: '5000', 'aria-label': 'Port',
      name: 'port' });
    var level = el('select', { 'aria-label': 'Who may open it', name: 'level' });
    LEVELS.forEach(function (l) { level.appendChild(el('option', { value: l[0], text: l[1] })); });
    var users = el('input', { type: 'text', class: 'users', name: 'users', placeholder: 'sign-in ids, comma-separated',
      'aria-label': 'Named users', hidden: 'hidden' });
    level.addEventListener('change', function () { users.hidden = level.value !== 'users'; });
    var open = el('a', { href: link(sandbox.id, 5000), target: '_blank', rel: 'noopener', text: 'Open' });
    port.addEventListener('input', function () { open.href = link(sandbox.id, port.value || 5000); });
    var form = el('form', { class: 'share' }, [port, level, users, el('button', { type: 'submit', text: 'Share' }),
      open]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = { level: level.value };
      if (level.value === 'users') {
        body.users = users.value.split(',').map(function (u) { return u.trim(); }).filter(Boolean);
      }
      api('PUT', 'sandboxes/' + sandbox.id + '/ports/' + port.value + '/share', body).then(function () {
        say('Port ' + port.value + ' is shared with ' + AUDIENCE[level.value] + '.');
        load();
      }, function (e) { say(e.message, true); });
    });
    return el('td', {}, [form]);
  }

  function render(sandboxes) {
    var body = document.querySelector('#sandboxes tbody');
    body.textContent = '';
    byId('empty').hidden = sandboxes.length > 0;
    sandboxes.forEach(function (s) {
      body.appendChild(el('tr', { 'data-id': s.id }, [
        el('td', {}, [el('code', { text: s.id })]),
        el('td', {}, [el('span', { class: 'status ' + s.status, text: s.status })]),
        el('td', {}, [when(s.createdAt)]),
        el('td', {}, [when(s.lastActivityAt)]),
        sharesCell(s),
        shareForm(s)]));
    });
  }

  function load() {
    return api('GET', 'sandboxes').then(function (json) { render(json.sandboxes); },
      function (e) { say(e.message, true); });
  }

  api('GET', 'session').then(function (session) {
    state.csrf = session.csrf;
    state.runtimeUrl = session.runtimeUrl;
    byId('who').textContent = 'Signed in as ' + session.user + '.';
    byId('demo').hidden = !session.demoUser;
    return load();
  }, function (e) { say(e.message, true); });
}());
