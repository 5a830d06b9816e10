// The placeholder panel: set-up, sign-in, password change and sign-out through the public HTTP API
// (the full panel replaces it). Served as a file, never inline, so the CSP can forbid inline scripts.

const API = '/api/v1';
let csrfToken = null;

function show(id) {
  for (const section of ['setup', 'login', 'home']) document.getElementById(section).hidden = section !== id;
}

function say(text) {
  document.getElementById('message').textContent = text;
}

async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`${API}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data?.error?.message ?? `HTTP ${response.status}`);
  return data;
}

function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) if (value !== '') values[name] = String(value);
  return values;
}

async function showHome(username) {
  document.getElementById('username').textContent = username;
  const list = document.getElementById('versions');
  list.replaceChildren();
  const versions = await (await fetch('/version')).json();
  for (const [name, value] of Object.entries(versions)) {
    const term = document.createElement('dt');
    term.textContent = name;
    const detail = document.createElement('dd');
    detail.textContent = String(value);
    list.append(term, detail);
  }
  show('home');
}

async function refresh() {
  const status = await call('GET', '/auth/status');
  csrfToken = status.csrf_token;
  if (status.setup_required) {
    document.getElementById('setup-code-field').hidden = !status.setup_code_required;
    show('setup');
  } else if (status.via === 'session') {
    await showHome(status.user.username);
  } else {
    show('login');
  }
}

function onSubmit(id, action) {
  document.getElementById(id).addEventListener('submit', async (event) => {
    event.preventDefault();
    say('');
    try {
      await action(event.target);
    } catch (error) {
      say(error.message);
    }
  });
}

onSubmit('setup-form', async (form) => {
  const signedIn = await call('POST', '/auth/setup', formValues(form));
  csrfToken = signedIn.csrf_token;
  await showHome(signedIn.user.username);
});

onSubmit('login-form', async (form) => {
  const signedIn = await call('POST', '/auth/login', formValues(form));
  csrfToken = signedIn.csrf_token;
  form.reset();
  await showHome(signedIn.user.username);
});

onSubmit('password-form', async (form) => {
  await call('POST', '/auth/password', formValues(form));
  form.reset();
  say('Password changed. Other sessions were signed out.');
});

document.getElementById('logout').addEventListener('click', async () => {
  await call('POST', '/auth/logout');
  csrfToken = null;
  show('login');
});

refresh().catch((error) => say(`Cannot reach PiCloud: ${error.message}`));
