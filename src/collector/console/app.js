// The fleet console's page (docs/fleet.md): plain browser JavaScript served from the collector itself
// (no CDN, no framework, no inline script: CSP default-src 'self'). It talks only to /v1/console/*:
// the session is an HttpOnly cookie the script never sees; every POST carries the session's CSRF token
// in the x-csrf-token header. zh-CN by default, English on the toggle (kept in localStorage).

const STRINGS = {
  'zh-CN': {
    title: '设备群控制台', logout: '退出登录', loginTitle: '操作员登录', name: '用户名', password: '密码', login: '登录',
    alertsTitle: '告警', kiosksTitle: '终端', venue: '场所', alert: '告警类型', apply: '筛选', refresh: '刷新',
    colKiosk: '终端', colVenue: '场所', colLastSeen: '最后心跳', colBacklog: '待上传', colLists: '名单时效', colVersion: '版本',
    colConfig: '配置版本', colDevices: '设备', colAlerts: '告警', prev: '上一页', next: '下一页',
    chartTitle: '各场所每小时通行数（最近 24 小时）', colTotal: '通行数（24 小时）', colPeak: '最忙时段',
    pushTitle: '配置下发', colFleet: '群控配置',
    pushHint: '仅限场所策略（policy.*）与通行设置（checkpoint.*）。采集服务器签名后，终端校验签名并应用。',
    pushTargetKind: '下发对象', pushVenue: '场所', pushGroup: '终端组', pushKiosks: '终端编号', pushTargetValue: '场所 / 组 / 终端编号（逗号分隔）',
    pushValid: '有效期（小时）', pushPath: '设置项', pushValue: '值', pushAdd: '添加一行', pushSubmit: '签名并下发', pushRemove: '删除',
    pushNoKey: '本采集服务器没有群控密钥（kiosk collector fleet-key init），无法下发。', pushNoRows: '请至少填写一行设置。',
    pushed: (r, target, until) => `已签名版本 ${r}，对象：${target}，有效至 ${until}。终端在 upload.listSyncMinutes（默认 15 分钟）内或下次启动时应用。`,
    pushTargets: (n) => (n === null ? '终端组由终端拉取时声明，无法预先统计台数。' : `当前覆盖 ${n} 台终端。`),
    pushNoTarget: (target) => `尚无终端报告过${target}：请核对编号（已签名，之后报告的终端仍会应用）。`,
    fleetPending: (r) => `已下发 ${r}，尚未应用`, updated: (t) => `更新于 ${t}`, asOfHeartbeat: '（截至最后心跳）',
    legend: '配置版本：终端本地配置的版本号。群控配置：终端已应用的签名下发版本（及最近被拒绝的版本）。名单时效：信任名单/状态名单的签发时长与序号（#）。',
    tipConfig: '终端本地配置（config.json）的版本号', tipFleet: '终端心跳报告的已应用群控下发版本', tipLists: '信任名单与状态名单距签发的时长，# 为序号',
    pushRefused: (reason, message) => `已拒绝（${reason}）：${{ FLEET_CONFIG_FORBIDDEN_PATH: '群控配置只能包含 policy.* 与 checkpoint.* 设置。', CONFIG_INVALID: '设置项或取值不被接受。', FLEET_CONFIG_FORMAT: '下发对象格式不正确。' }[reason] ?? ''}${message}`,
    fleetApplied: (r) => (r === 0 ? '未应用' : `已应用 ${r}`), fleetRefused: (r, reason) => `拒绝 ${r ?? '（未通过校验）'}：${reason}`,
    anyAlert: '全部', allKiosks: '全部终端', never: '从未', ago: (m) => (m < 1 ? '刚刚' : m < 60 ? `${m} 分钟前` : m < 2880 ? `${Math.round(m / 60)} 小时前` : `${Math.round(m / 1440)} 天前`),
    pageInfo: (p, pages, total) => `第 ${p} / ${pages} 页，共 ${total} 台`, asOf: (t) => `截至 ${t}`, signedIn: (n) => `操作员：${n}`,
    wrong: (left) => `用户名或密码错误。${left > 0 ? `再错 ${left} 次将被锁定。` : '再错一次将锁定该账号。'}`,
    locked: (s) => `登录失败次数过多，已锁定。请在 ${fmtWait(s)} 后再试。`,
    disabled: '此操作员账号已停用。', expired: '会话已过期，请重新登录。', required: '请先登录。', failed: '请求失败：',
    trust: '信任', status: '状态', hours: (h) => `${h} 小时`, noVenue: '（未设场所）', noKiosks: '没有符合条件的终端。', noEntries: '最近 24 小时没有通行记录。',
    devOk: '正常', devOffline: '离线', devFault: '故障', devOff: '未配置',
    devices: { idcard: '身份证读卡器', thermometer: '测温仪', scanner: '扫码器', gate: '闸机', camera: '摄像头' },
    alerts: { silent: '失联', 'stale-lists': '名单过期', 'device-offline': '设备离线', 'clock-skew': '时钟偏差', 'disk-low': '磁盘不足' },
    hourLabel: '时', switchTo: 'English',
    auditTitle: '审计记录', auditHint: '最近 100 条控制台操作：谁、何时、做了什么、来自哪个地址。', auditAt: '时间', auditOperator: '操作员', auditAction: '操作', auditDetail: '详情', auditAddress: '地址', noAudit: '暂无审计记录。',
    actions: {
      'login-ok': '登录成功', 'login-failed': '登录失败', 'login-locked': '登录被锁定', 'login-disabled': '已停用账号尝试登录', logout: '退出登录', 'session-expired': '会话过期',
      'csrf-refused': '请求被拒绝（CSRF）', 'view-kiosks': '查看终端列表', 'view-entries-per-hour': '查看每小时通行数', 'operator-add': '添加操作员', 'operator-disable': '停用操作员',
      'fleet-config-pushed': '配置已下发', 'fleet-config-refused': '配置下发被拒绝',
    },
  },
  en: {
    title: 'Fleet console', logout: 'Log out', loginTitle: 'Operator login', name: 'Name', password: 'Password', login: 'Log in',
    alertsTitle: 'Alerts', kiosksTitle: 'Kiosks', venue: 'Venue', alert: 'Alert', apply: 'Apply', refresh: 'Refresh',
    colKiosk: 'Kiosk', colVenue: 'Venue', colLastSeen: 'Last heartbeat', colBacklog: 'Backlog', colLists: 'List age', colVersion: 'Version',
    colConfig: 'Config rev.', colDevices: 'Devices', colAlerts: 'Alerts', prev: 'Previous', next: 'Next',
    chartTitle: 'Entries per hour by venue (last 24 h)', colTotal: 'Entries (24 h)', colPeak: 'Busiest hour',
    pushTitle: 'Configuration push', colFleet: 'Fleet config',
    pushHint: 'Venue policy (policy.*) and checkpoint settings (checkpoint.*) only. The collector signs the bundle; kiosks check the signature and apply it.',
    pushTargetKind: 'Target', pushVenue: 'Venue', pushGroup: 'Kiosk group', pushKiosks: 'Kiosk ids', pushTargetValue: 'Venue, group or kiosk ids (comma separated)',
    pushValid: 'Valid for (hours)', pushPath: 'Setting', pushValue: 'Value', pushAdd: 'Add a row', pushSubmit: 'Sign and push', pushRemove: 'Remove',
    pushNoKey: 'This collector has no fleet key (kiosk collector fleet-key init): nothing can be pushed.', pushNoRows: 'Fill in at least one setting.',
    pushed: (r, target, until) => `Signed revision ${r} for ${target}, valid until ${until}. Kiosks apply it within upload.listSyncMinutes (15 min by default) or at their next start.`,
    pushTargets: (n) => (n === null ? 'Kiosks declare their groups when they fetch: the collector cannot count them beforehand.' : `Targets ${n} ${n === 1 ? 'kiosk' : 'kiosks'} now.`),
    pushNoTarget: (target) => `No kiosk has reported ${target}: check the id (signed anyway; a kiosk that reports it later applies it).`,
    fleetPending: (r) => `pushed ${r}, not yet applied`, updated: (t) => `updated ${t}`, asOfHeartbeat: '(as of last heartbeat)',
    legend: 'Config rev.: the revision of the kiosk\'s own configuration. Fleet config: the signed pushed revision the kiosk applied (and the last it refused). List age: hours since the trust and status lists were issued, # their sequence number.',
    tipConfig: 'Revision of the kiosk\'s own configuration (config.json)', tipFleet: 'Signed fleet configuration revision the kiosk reports applied', tipLists: 'Hours since the trust and status lists were issued; # is the sequence number',
    pushRefused: (reason, message) => `Refused (${reason}): ${message}`,
    fleetApplied: (r) => (r === 0 ? 'none applied' : `applied ${r}`), fleetRefused: (r, reason) => `refused ${r ?? '(did not verify)'}: ${reason}`,
    anyAlert: 'Any', allKiosks: 'All kiosks', never: 'never', ago: (m) => (m < 1 ? 'just now' : m < 60 ? `${m} min ago` : m < 2880 ? `${Math.round(m / 60)} h ago` : `${Math.round(m / 1440)} days ago`),
    pageInfo: (p, pages, total) => `Page ${p} of ${pages}, ${total} kiosks`, asOf: (t) => `as of ${t}`, signedIn: (n) => `Operator: ${n}`,
    wrong: (left) => `Wrong name or password.${left > 0 ? ` ${left} more ${left === 1 ? 'try' : 'tries'} before the account is locked.` : ' The next failure locks the account.'}`,
    locked: (s) => `Too many failed logins: locked. Try again in ${fmtWait(s)}.`,
    disabled: 'This operator account is disabled.', expired: 'Your session expired: log in again.', required: 'Log in first.', failed: 'Request failed: ',
    trust: 'trust', status: 'status', hours: (h) => `${h} h`, noVenue: '(no venue)', noKiosks: 'No kiosk matches.', noEntries: 'No entries in the last 24 hours.',
    devOk: 'ok', devOffline: 'offline', devFault: 'fault', devOff: 'not fitted',
    devices: { idcard: 'ID reader', thermometer: 'Thermometer', scanner: 'Scanner', gate: 'Gate', camera: 'Camera' },
    alerts: { silent: 'Silent', 'stale-lists': 'Stale lists', 'device-offline': 'Device offline', 'clock-skew': 'Clock skew', 'disk-low': 'Disk low' },
    hourLabel: 'h', switchTo: '中文',
    auditTitle: 'Audit', auditHint: 'The newest 100 console actions: who, when, what, from which address.', auditAt: 'Time', auditOperator: 'Operator', auditAction: 'Action', auditDetail: 'Detail', auditAddress: 'Address', noAudit: 'No audit rows yet.',
    actions: {
      'login-ok': 'Logged in', 'login-failed': 'Login failed', 'login-locked': 'Login locked', 'login-disabled': 'Login by a disabled account', logout: 'Logged out', 'session-expired': 'Session expired',
      'csrf-refused': 'Request refused (CSRF)', 'view-kiosks': 'Viewed the kiosk list', 'view-entries-per-hour': 'Viewed entries per hour', 'operator-add': 'Operator added', 'operator-disable': 'Operator disabled',
      'fleet-config-pushed': 'Configuration pushed', 'fleet-config-refused': 'Configuration push refused',
    },
  },
};
const ALERTS = ['silent', 'stale-lists', 'device-offline', 'clock-skew', 'disk-low'];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const PAGE_SIZE = 50;

let lang = localStorage.getItem('fleet-console-lang') === 'en' ? 'en' : 'zh-CN';
let csrf = null;
let state = { venue: '', alert: '', page: 1 };
let lastFleet = null;
let lastChart = null;
let lastAudit = null;
let lockTimer = null;
/** What the login message says, as a function of the language: the toggle re-words it at once. */
let loginMessage = null;
/** The last push's answer, re-worded by the language toggle like the login message. */
let pushMessage = null;
let fleetKey = true;

const $ = (id) => document.getElementById(id);
const t = (key) => STRINGS[lang][key];

function fmtWait(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return lang === 'en' ? (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`) : s >= 60 ? `${Math.floor(s / 60)} 分 ${s % 60} 秒` : `${s} 秒`;
}

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  $('lang').textContent = t('switchTo');
  const select = $('filter-alert');
  select.replaceChildren(el('option', { value: '', text: t('anyAlert') }), ...ALERTS.map((a) => el('option', { value: a, text: t('alerts')[a] })));
  select.value = state.alert;
  if (csrf) $('who').textContent = t('signedIn')($('who').dataset.name || '');
  if (loginMessage) setLoginMessage(loginMessage.say, loginMessage.kind);
  if (pushMessage) setPushMessage(pushMessage.say, pushMessage.kind);
  for (const b of document.querySelectorAll('#push-rows button')) b.textContent = t('pushRemove');
  if (lastFleet) renderFleet(lastFleet);
  if (lastChart) renderChart(lastChart);
  if (lastAudit) renderAudit(lastAudit);
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(`/v1/console/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  let json;
  try {
    json = await res.json();
  } catch {
    json = { ok: false, reason: 'COLLECTOR_ERROR', message: `HTTP ${res.status}` };
  }
  return { status: res.status, json };
}

/** A refused session (expired, ended, disabled) brings back the login form with the reason. */
function sessionGone(json) {
  const key = json.reason === 'CONSOLE_SESSION_EXPIRED' ? 'expired' : json.reason === 'CONSOLE_ACCOUNT_DISABLED' ? 'disabled' : 'required';
  showLogin(() => t(key), 'error');
}

function showLogin(message, kind) {
  csrf = null;
  lastFleet = null;
  $('fleet').hidden = true;
  $('logout').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  setLoginMessage(message, kind);
}

/** `say`: a string, or a function of nothing re-run in the current language. */
function setLoginMessage(say, kind) {
  loginMessage = say ? { say, kind } : null;
  const m = $('login-message');
  m.textContent = typeof say === 'function' ? say() : say || '';
  m.className = `message ${kind || ''}`;
}

function showFleet(operator) {
  $('who').dataset.name = operator;
  $('who').textContent = t('signedIn')(operator);
  $('who').hidden = false;
  $('logout').hidden = false;
  $('login').hidden = true;
  $('fleet').hidden = false;
  void loadFleet();
  void loadChart();
  void loadPushPaths();
  void loadAudit();
}

// ---- configuration push (docs/fleet.md "Configuration push") ----

function setPushMessage(say, kind) {
  pushMessage = say ? { say, kind } : null;
  const m = $('push-result');
  m.textContent = typeof say === 'function' ? say() : say || '';
  m.className = `message ${kind || ''}`;
}

async function loadPushPaths() {
  const { status, json } = await api('GET', 'session');
  if (status !== 200 || !json.ok) return;
  fleetKey = json.fleetKey !== false;
  $('push-paths').replaceChildren(...(json.fleetPaths ?? []).map((p) => el('option', { value: p })));
  $('push-submit').disabled = !fleetKey;
  if (!fleetKey) setPushMessage(() => t('pushNoKey'), 'error');
  else if (pushMessage && pushMessage.noKey) setPushMessage('', '');
  if (!fleetKey && pushMessage) pushMessage.noKey = true;
  if ($('push-rows').rows.length === 0) addPushRow();
}

function addPushRow() {
  const i = $('push-rows').rows.length;
  const remove = el('button', { type: 'button', class: 'link', text: t('pushRemove') });
  const row = el(
    'tr',
    {},
    // A typed path, with the allowed ones offered: what is not allowed is sent and refused with its reason.
    el('td', {}, el('input', { list: 'push-paths', class: 'push-path', 'data-testid': `push-path-${i}`, maxlength: 200, placeholder: 'policy.feverThresholdC', autocomplete: 'off' })),
    el('td', { class: 'eq', text: '=' }),
    el('td', {}, el('input', { class: 'push-value', 'data-testid': `push-value-${i}`, maxlength: 1000, placeholder: '38.5', autocomplete: 'off' })),
    el('td', {}, remove),
  );
  remove.addEventListener('click', () => row.remove());
  $('push-rows').append(row);
}

/** Mid-sentence, so lower-case ("for venue demo-venue"); a no-op in Chinese. */
function describePushTarget(target) {
  if (target.venueId) return `${t('pushVenue').toLowerCase()} ${target.venueId}`;
  if (target.group) return `${t('pushGroup').toLowerCase()} ${target.group}`;
  return `${t('pushKiosks').toLowerCase()} ${target.kioskIds.join(', ')}`;
}

async function onPush(event) {
  event.preventDefault();
  const kind = $('push-kind').value;
  const raw = $('push-target').value.trim();
  const target = kind === 'kioskIds' ? { kioskIds: raw.split(/[\s,，]+/).filter(Boolean) } : { [kind]: raw };
  const assignments = [...$('push-rows').rows]
    .map((r) => [r.querySelector('.push-path').value.trim(), r.querySelector('.push-value').value.trim()])
    .filter(([p, v]) => p || v)
    .map(([p, v]) => `${p}=${v}`);
  if (assignments.length === 0) return setPushMessage(() => t('pushNoRows'), 'error');
  $('push-submit').disabled = true;
  setPushMessage('…', '');
  try {
    const { status, json } = await api('POST', 'fleet-config', { target, assignments, validHours: Number($('push-hours').value) });
    if (status === 401) return sessionGone(json);
    if (json.ok) {
      const until = new Date(json.validTo);
      // Zero known kiosks is what a typo looks like: amber, still signed (a kiosk may report later).
      const none = json.targets === 0;
      const signed = () => t('pushed')(json.revision, describePushTarget(json.target), until.toLocaleString(lang));
      setPushMessage(() => (none ? `${t('pushNoTarget')(describePushTarget(json.target))} ${signed()}` : `${signed()} ${t('pushTargets')(json.targets ?? null)}`), none ? 'warn' : 'ok');
      $('push-result').dataset.revision = String(json.revision);
      $('push-result').dataset.targets = String(json.targets ?? '');
      void loadFleet();
    } else {
      setPushMessage(() => t('pushRefused')(json.reason, json.message ?? status), 'error');
      delete $('push-result').dataset.revision;
    }
    // Either outcome is an audit row (fleet-config-pushed or -refused): shown at once.
    void loadAudit();
  } finally {
    $('push-submit').disabled = !fleetKey;
  }
}

function fleetCell(k) {
  const f = k.fleetConfig;
  // Pushed but not yet applied: the newest bundle naming it is newer than what its heartbeat reports.
  const pending = k.pushedRevision !== null && k.pushedRevision !== undefined && k.pushedRevision > (f ? f.revision : 0) ? el('span', { class: 'sub pending', 'data-testid': 'fleet-pending', text: t('fleetPending')(k.pushedRevision) }) : null;
  if (!f) return el('td', { 'data-testid': 'fleet-config' }, pending ?? '—');
  return el(
    'td',
    { 'data-testid': 'fleet-config' },
    el('span', { class: 'fleet-applied', text: t('fleetApplied')(f.revision) }),
    pending,
    f.refused ? el('span', { class: 'sub refused', 'data-testid': 'fleet-refused', text: t('fleetRefused')(f.refused.revision, f.refused.reason) }) : null,
  );
}

function startLockCountdown(ms) {
  clearInterval(lockTimer);
  const until = Date.now() + ms;
  const submit = $('login-submit');
  const tick = () => {
    const left = (until - Date.now()) / 1000;
    if (left <= 0) {
      clearInterval(lockTimer);
      submit.disabled = false;
      setLoginMessage('', '');
      return;
    }
    submit.disabled = true;
    setLoginMessage(() => t('locked')((until - Date.now()) / 1000), 'locked');
  };
  tick();
  lockTimer = setInterval(tick, 1000);
}

async function onLogin(event) {
  event.preventDefault();
  const { status, json } = await api('POST', 'login', { name: $('login-name').value, password: $('login-password').value });
  $('login-password').value = '';
  if (status === 200 && json.ok) {
    csrf = json.csrf;
    showFleet(json.operator);
    return;
  }
  if (json.reason === 'CONSOLE_LOCKED') return startLockCountdown(json.retryInMs ?? 30_000);
  setLoginMessage(() => (json.reason === 'CONSOLE_LOGIN_FAILED' ? t('wrong')(json.triesLeft ?? 0) : json.reason === 'CONSOLE_ACCOUNT_DISABLED' ? t('disabled') : `${t('failed')}${json.message ?? status}`), 'error');
}

async function loadFleet() {
  const q = new URLSearchParams({ page: String(state.page), pageSize: String(PAGE_SIZE) });
  if (state.venue) q.set('venue', state.venue);
  if (state.alert) q.set('alert', state.alert);
  const { status, json } = await api('GET', `kiosks?${q}`);
  if (status === 401) return sessionGone(json);
  if (!json.ok) {
    $('kiosk-table').tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: 10, class: 'message error', text: `${t('failed')}${json.message}` })));
    return;
  }
  lastFleet = json;
  renderFleet(json);
}

function ago(iso, now) {
  if (!iso) return t('never');
  return t('ago')(Math.floor((Date.parse(now) - Date.parse(iso)) / 60_000));
}

function listAge(label, list) {
  if (!list) return el('span', { class: 'sub', text: `${label}: —` });
  const age = list.ageHours === null ? '—' : t('hours')(list.ageHours);
  return el('span', { class: list.state === 'fresh' ? 'sub' : 'sub chip down', text: `${label}: ${age}${list.seq !== null ? ` #${list.seq}` : ''}${list.state !== 'fresh' ? ` (${list.state})` : ''}` });
}

function deviceChip(d, silent) {
  const name = t('devices')[d.device] ?? d.device;
  // A silent kiosk's chips are its last heartbeat's word, not now's: grey, never a green "ok".
  if (silent) return el('span', { class: 'chip stale', text: `${name}: ${!d.configured ? t('devOff') : !d.connected ? t('devOffline') : d.fault ? t('devFault') : t('devOk')}` });
  if (!d.configured) return el('span', { class: 'chip off', text: `${name}: ${t('devOff')}` });
  if (!d.connected) return el('span', { class: 'chip down', text: `${name}: ${t('devOffline')}` });
  if (d.fault) return el('span', { class: 'chip down', title: d.fault, text: `${name}: ${t('devFault')}` });
  return el('span', { class: 'chip ok', text: `${name}: ${t('devOk')}` });
}

function renderFleet(f) {
  $('as-of').textContent = t('asOf')(new Date(f.now).toLocaleString(lang));
  $('updated').textContent = t('updated')(new Date(f.now).toLocaleTimeString(lang, { hour12: false }));
  $('kiosk-legend').textContent = t('legend');
  for (const [id, tip] of [['th-config', 'tipConfig'], ['th-fleet', 'tipFleet'], ['th-lists', 'tipLists']]) $(id).title = t(tip);
  const summary = $('alert-summary');
  const all = el('button', { type: 'button', class: state.alert === '' ? 'active' : '', 'data-alert': '' }, el('span', { class: 'n', text: f.alert ? '·' : f.total }), t('allKiosks'));
  summary.replaceChildren(
    all,
    ...ALERTS.map((a) => {
      const n = f.alertCounts[a] ?? 0;
      return el('button', { type: 'button', class: `${n > 0 ? 'bad' : ''} ${state.alert === a ? 'active' : ''}`, 'data-alert': a, 'data-testid': `alert-count-${a}` }, el('span', { class: 'n', text: n }), t('alerts')[a]);
    }),
  );
  const body = $('kiosk-table').tBodies[0];
  if (f.kiosks.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: 10, class: 'muted', text: t('noKiosks') })));
  else
    body.replaceChildren(
      ...f.kiosks.map((k) =>
        el(
          'tr',
          { class: k.alerts.length ? 'alerting' : '', 'data-kiosk': k.kioskId, 'data-testid': `kiosk-${k.kioskId}` },
          el('td', {}, el('code', { text: k.kioskId }), el('span', { class: 'sub', text: k.name ?? '' })),
          // Alerts right after the id: on a narrow screen the table scrolls sideways, and what is wrong must not be the part scrolled away.
          el('td', { 'data-testid': 'alerts' }, ...k.alerts.map((a) => el('span', { class: 'chip alert', 'data-alert': a, text: t('alerts')[a] }))),
          el('td', { text: k.venueId ?? '—' }),
          el('td', { title: k.lastHeartbeatAt ?? '' }, ago(k.lastHeartbeatAt, f.now)),
          el('td', { text: k.backlog ?? '—' }),
          el('td', {}, listAge(t('trust'), k.trustList), listAge(t('status'), k.statusList)),
          el('td', { text: k.softwareVersion ?? '—' }),
          el('td', { text: k.configRevision ?? '—' }),
          fleetCell(k),
          el('td', { 'data-testid': 'devices' }, ...k.devices.map((d) => deviceChip(d, k.alerts.includes('silent'))), k.alerts.includes('silent') && k.devices.length ? el('span', { class: 'sub', text: t('asOfHeartbeat') }) : null),
        ),
      ),
    );
  const pages = Math.max(1, Math.ceil(f.total / f.pageSize));
  $('page-info').textContent = t('pageInfo')(f.page, pages, f.total);
  $('prev').disabled = f.page <= 1;
  $('next').disabled = f.page >= pages;
}

async function loadChart() {
  const { status, json } = await api('GET', 'entries-per-hour?hours=24');
  if (status === 401) return sessionGone(json);
  if (!json.ok) return;
  lastChart = json;
  renderChart(json);
}

function renderChart(c) {
  const W = 960, H = 240, L = 48, R = 12, T = 12, B = 34;
  const max = Math.max(1, ...c.venues.flatMap((v) => v.counts));
  const x = (i) => L + (i * (W - L - R)) / Math.max(1, c.hours.length - 1);
  const y = (n) => T + (H - T - B) * (1 - n / max);
  const svg = el('svg:svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chartTitle') });
  svg.append(el('svg:line', { x1: L, y1: y(0), x2: W - R, y2: y(0), class: 'axis' }), el('svg:line', { x1: L, y1: T, x2: L, y2: y(0), class: 'axis' }));
  for (const n of [0, Math.round(max / 2), max]) svg.append(el('svg:text', { x: L - 6, y: y(n) + 4, 'text-anchor': 'end', class: 'label', text: n }));
  c.hours.forEach((h, i) => {
    if (i % 3 !== 0 && i !== c.hours.length - 1) return;
    svg.append(el('svg:text', { x: x(i), y: H - 12, 'text-anchor': 'middle', class: 'label', text: `${String(new Date(h).getHours()).padStart(2, '0')}${t('hourLabel')}` }));
  });
  c.venues.forEach((v, vi) => {
    const color = COLORS[vi % COLORS.length];
    svg.append(el('svg:polyline', { points: v.counts.map((n, i) => `${x(i)},${y(n)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    v.counts.forEach((n, i) => n > 0 && svg.append(el('svg:circle', { cx: x(i), cy: y(n), r: 3, fill: color }, el('svg:title', { text: `${v.venueId ?? t('noVenue')} ${new Date(c.hours[i]).toLocaleString(lang)}: ${n}` }))));
  });
  $('chart').replaceChildren(c.venues.length ? svg : el('p', { class: 'muted', text: t('noEntries') }));
  $('chart-totals').tBodies[0].replaceChildren(
    ...c.venues.map((v, vi) => {
      const peak = v.counts.indexOf(Math.max(...v.counts));
      const swatch = el('svg:svg', { width: 12, height: 12, class: 'swatch' }, el('svg:rect', { width: 12, height: 12, fill: COLORS[vi % COLORS.length] }));
      return el('tr', {}, el('td', {}, swatch, v.venueId ?? t('noVenue')), el('td', { text: v.total }), el('td', { text: `${new Date(c.hours[peak]).toLocaleString(lang, { hour: '2-digit', minute: '2-digit', month: 'numeric', day: 'numeric' })} (${v.counts[peak]})` }));
    }),
  );
}

// ---- audit (docs/fleet.md "The page", Audit): GET /v1/console/audit, the newest 100 rows ----

async function loadAudit() {
  const { status, json } = await api('GET', 'audit');
  if (status === 401) return sessionGone(json);
  if (!json.ok) {
    $('audit-table').tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'message error', text: `${t('failed')}${json.message ?? status}` })));
    return;
  }
  lastAudit = json.rows;
  renderAudit(json.rows);
}

/** A row's detail as `key: value` pairs (filters, revision, target, reason): never personal data, the console keeps none. */
function auditDetail(detail) {
  const text = Object.entries(detail ?? {})
    // Times the collector stored as ms (a push's validTo) read as times.
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : /^valid(From|To)$/.test(k) && typeof v === 'number' ? new Date(v).toISOString() : JSON.stringify(v)}`)
    .join('; ');
  return text.length > 400 ? `${text.slice(0, 400)} …` : text;
}

function renderAudit(rows) {
  const body = $('audit-table').tBodies[0];
  if (rows.length === 0) return body.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: t('noAudit') })));
  body.replaceChildren(
    ...rows.map((r) =>
      el(
        'tr',
        { 'data-action': r.action },
        el('td', { title: r.at, text: new Date(r.at).toLocaleString(lang, { hour12: false }) }),
        el('td', { text: r.operator }),
        // The words in the page's language, the action code beside them (what the database and the docs say).
        el('td', {}, t('actions')[r.action] ?? r.action, el('span', { class: 'sub', text: r.action })),
        el('td', { class: 'detail', text: auditDetail(r.detail) }),
        el('td', { text: r.address ?? '' }),
      ),
    ),
  );
}

// The list refreshes itself every 30 s while the page is visible, so a kiosk gone silent shows
// without a click (docs/fleet.md "The console"); a hidden tab does not poll.
const POLL_MS = 30_000;
setInterval(() => {
  if (!(csrf && document.visibilityState === 'visible' && !$('fleet').hidden)) return;
  void loadFleet();
  // A fleet key made while the page is open (the collector reads it on the next push) turns the button on.
  if (!fleetKey) void loadPushPaths();
}, POLL_MS);
document.addEventListener('visibilitychange', () => {
  if (csrf && document.visibilityState === 'visible' && !$('fleet').hidden) void loadFleet();
});

async function start() {
  applyLanguage();
  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('fleet-console-lang', lang);
    applyLanguage();
  });
  $('login-form').addEventListener('submit', (e) => void onLogin(e));
  $('logout').addEventListener('click', async () => {
    await api('POST', 'logout', {});
    showLogin('', '');
  });
  $('push-form').addEventListener('submit', (e) => void onPush(e));
  $('push-add').addEventListener('click', () => addPushRow());
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    state = { venue: $('filter-venue').value.trim(), alert: $('filter-alert').value, page: 1 };
    void loadFleet();
  });
  $('refresh').addEventListener('click', () => {
    void loadFleet();
    void loadChart();
  });
  $('audit-refresh').addEventListener('click', () => void loadAudit());
  $('alert-summary').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-alert]');
    if (!b) return;
    state = { ...state, alert: b.getAttribute('data-alert'), page: 1 };
    $('filter-alert').value = state.alert;
    void loadFleet();
  });
  $('prev').addEventListener('click', () => {
    state.page = Math.max(1, state.page - 1);
    void loadFleet();
  });
  $('next').addEventListener('click', () => {
    state.page += 1;
    void loadFleet();
  });
  const { status, json } = await api('GET', 'session');
  if (status === 200 && json.ok) {
    csrf = json.csrf;
    showFleet(json.operator);
  } else showLogin('', '');
}

void start();
