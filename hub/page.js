// The fleet page's script, served from the hub itself: the page runs no inline script and loads nothing from elsewhere.
const T = {
  en: {
    title: 'Branchline fleet', language: 'Language', signIn: 'Sign in', signInButton: 'Sign in', signOut: 'Sign out', name: 'Operator name', password: 'Password',
    kpis: 'Fleet KPIs', devices: 'Devices', device: 'Device', group: 'Group', status: 'Status', lastSeen: 'Last seen', model: 'Model', knowledge: 'Knowledge', backlog: 'Outbox backlog',
    sessions: 'Sessions', response30: '30 s response', fcr: 'First-contact resolution', rollouts: 'Rollouts', created: 'Created', by: 'By', kind: 'Kind', version: 'Version', target: 'Target',
    progress: 'Progress', rolledBack: 'Rolled back', audit: 'Who did what', when: 'When', who: 'Who', action: 'Action', detail: 'Detail',
    online: 'online', offline: 'offline', builtIn: 'built-in', seed: 'seed', all: 'all', groupOf: (g) => `group ${g}`, canary: (p) => `canary ${p}%`,
    hubLine: (h, records) => `${records} records · instance ${h.instance} (${h.database}) · ${h.duplicates} duplicates dropped · ${h.rejected} rejected`, signedInAs: (n, r) => `${n} (${r === 'operator' ? 'operator' : 'viewer'})`,
    aht: 'Average handle (s)', serviceErrors: 'Service errors', csat: 'CSAT', nps: 'NPS', repeats: 'Repeat inquiries', abandonment: 'Abandonment', transferred: 'Transferred', tickets: 'Tickets opened / resolved / breached', alerts: 'Emotion alerts amber / red', scorecards: 'QA scorecards',
    actions: { 'release.push': 'pushed a release', 'release.rollback': 'rolled back', 'release.upload': 'uploaded a release', 'config.push': 'pushed settings', 'operator.add': 'added an operator', 'operator.password': 'changed a password', 'operator.remove': 'removed an operator' },
  },
  'zh-Hant': {
    title: 'Branchline 設備群', language: '語言', signIn: '登入', signInButton: '登入', signOut: '登出', name: '操作員名稱', password: '密碼',
    kpis: '設備群 KPI', devices: '設備', device: '設備', group: '群組', status: '狀態', lastSeen: '最後連線', model: '模型', knowledge: '知識庫', backlog: '待送記錄',
    sessions: '服務次數', response30: '30 秒內回應', fcr: '首次解決率', rollouts: '發布', created: '建立時間', by: '建立者', kind: '類型', version: '版本', target: '對象',
    progress: '進度', rolledBack: '已回復', audit: '操作紀錄', when: '時間', who: '人員', action: '動作', detail: '內容',
    online: '在線', offline: '離線', builtIn: '內建', seed: '初始', all: '全部', groupOf: (g) => `群組 ${g}`, canary: (p) => `試行 ${p}%`,
    hubLine: (h, records) => `${records} 筆記錄 · 實例 ${h.instance}（${h.database}）· 略過重複 ${h.duplicates} · 拒收 ${h.rejected}`, signedInAs: (n, r) => `${n}（${r === 'operator' ? '操作員' : '檢視者'}）`,
    aht: '平均處理時間（秒）', serviceErrors: '服務失誤率', csat: '滿意度', nps: 'NPS 淨推薦值', repeats: '重複詢問率', abandonment: '放棄率', transferred: '轉接次數', tickets: '工單 開立／解決／逾期', alerts: '情緒警示 黃／紅', scorecards: '品質評分表',
    actions: { 'release.push': '推送發布', 'release.rollback': '回復發布', 'release.upload': '上傳發布', 'config.push': '推送設定', 'operator.add': '新增操作員', 'operator.password': '變更密碼', 'operator.remove': '移除操作員' },
  },
  'zh-Hans': {
    title: 'Branchline 设备群', language: '语言', signIn: '登录', signInButton: '登录', signOut: '退出', name: '操作员名称', password: '密码',
    kpis: '设备群 KPI', devices: '设备', device: '设备', group: '分组', status: '状态', lastSeen: '最后连接', model: '模型', knowledge: '知识库', backlog: '待发记录',
    sessions: '服务次数', response30: '30 秒内响应', fcr: '首次解决率', rollouts: '发布', created: '创建时间', by: '创建人', kind: '类型', version: '版本', target: '对象',
    progress: '进度', rolledBack: '已回滚', audit: '操作记录', when: '时间', who: '人员', action: '动作', detail: '内容',
    online: '在线', offline: '离线', builtIn: '内置', seed: '初始', all: '全部', groupOf: (g) => `分组 ${g}`, canary: (p) => `灰度 ${p}%`,
    hubLine: (h, records) => `${records} 条记录 · 实例 ${h.instance}（${h.database}）· 跳过重复 ${h.duplicates} · 拒收 ${h.rejected}`, signedInAs: (n, r) => `${n}（${r === 'operator' ? '操作员' : '查看者'}）`,
    aht: '平均处理时长（秒）', serviceErrors: '服务差错率', csat: '满意度', nps: 'NPS 净推荐值', repeats: '重复咨询率', abandonment: '放弃率', transferred: '转接次数', tickets: '工单 新建／解决／超时', alerts: '情绪预警 黄／红', scorecards: '质检评分表',
    actions: { 'release.push': '推送发布', 'release.rollback': '回滚发布', 'release.upload': '上传发布', 'config.push': '推送配置', 'operator.add': '新增操作员', 'operator.password': '修改密码', 'operator.remove': '删除操作员' },
  },
};
const $ = (id) => document.getElementById(id);
const text = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const guess = (navigator.language || 'en').toLowerCase();
let lang = localStorage.getItem('fleet-lang') || (guess.startsWith('zh') ? (/(cn|sg|hans)/.test(guess) ? 'zh-Hans' : 'zh-Hant') : 'en');
let token = sessionStorage.getItem('fleet-token') || '';
const t = () => T[lang];
const pct = (x) => (x === null || x === undefined ? '–' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(x));
const num = (x, digits = 0) => (x === null || x === undefined ? '–' : new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(x));
const when = (iso) => new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));

function translate() {
  document.documentElement.lang = lang;
  $('lang').value = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t()[el.dataset.t];
  document.title = t().title;
}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...(init.headers || {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.message || res.statusText), { status: res.status });
  return body;
}

function tiles(f) {
  const k = f.kpis, a = f.activity, l = t();
  const items = [
    [l.sessions, num(k.sessions)], [l.response30, pct(k.responseRate30s)], [l.abandonment, pct(k.abandonmentRate)], [l.aht, num(k.averageHandleSeconds, 1)],
    [l.fcr, pct(k.firstContactResolution)], [l.serviceErrors, pct(k.serviceErrorRate)], [l.csat, pct(k.csat)], [l.nps, num(k.nps, 1)], [l.repeats, pct(k.repeatInquiryRate)],
    [l.transferred, num(k.transferred)], [l.scorecards, num(a.scorecards)], [l.tickets, `${num(a.ticketsOpened)} / ${num(a.ticketsResolved)} / ${num(a.ticketsBreached)}`], [l.alerts, `${num(a.alertsAmber)} / ${num(a.alertsRed)}`],
  ];
  $('kpis').innerHTML = items.map(([label, value]) => `<div class="tile">${text(label)}<b>${text(value)}</b></div>`).join('');
}

function show(signedIn) {
  $('login').hidden = signedIn;
  for (const id of ['board', 'devices-section', 'rollouts-section', 'audit-section', 'sign-out']) $(id).hidden = !signedIn;
}

async function refresh() {
  if (!token) return show(false);
  try {
    const [me, fleet, rollouts, audit] = await Promise.all([api('/api/me'), api('/api/fleet'), api('/api/rollouts'), api('/api/audit')]);
    const l = t();
    show(true);
    $('who').textContent = l.signedInAs(me.name, me.role);
    $('hub').textContent = l.hubLine(fleet.hub, num(fleet.records));
    tiles(fleet.fleet);
    $('devices').innerHTML = fleet.devices.map((d) => `<tr data-device="${text(d.deviceId)}"><td>${text(d.deviceId)}</td><td>${text(d.group)}</td><td class="${d.online ? 'online' : 'offline'}">${d.online ? l.online : l.offline}</td><td>${text(when(d.lastSeen))}</td><td>${text(d.versions.model ?? l.builtIn)}</td><td>${text(d.versions.knowledge ?? l.seed)}</td><td>${num(d.outboxBacklog)}</td><td>${num(d.kpis?.sessions ?? 0)}</td><td>${pct(d.kpis?.responseRate30s)}</td><td>${pct(d.kpis?.firstContactResolution)}</td></tr>`).join('');
    const statuses = await Promise.all(rollouts.rollouts.slice(0, 20).map((r) => api(`/api/rollouts/${r.id}`)));
    $('rollouts').innerHTML = statuses.map(({ rollout: r, counts }) => {
      const done = (counts.active ?? 0) / r.devices.length;
      const target = r.target.all ? l.all : r.target.group ? l.groupOf(r.target.group) : l.canary(r.target.percent);
      const summary = Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ');
      return `<tr><td>${text(when(r.createdAt))}</td><td>${text(r.createdBy ?? '')}</td><td>${text(r.kind)}</td><td>${text(r.version)}</td><td>${text(target)} (${r.devices.length})</td><td><div class="bar" style="width:${Math.round(done * 100)}%"></div>${text(summary)}</td><td>${r.rolledBackAt ? text(`${when(r.rolledBackAt)} ${r.rolledBackBy ?? ''}`) : ''}</td></tr>`;
    }).join('');
    $('audit').innerHTML = audit.entries.map((e) => `<tr><td>${text(when(e.at))}</td><td>${text(e.actor)}</td><td>${text(l.actions[e.action] ?? e.action)}</td><td><code>${text(JSON.stringify(e.detail))}</code></td></tr>`).join('');
    $('error').textContent = '';
  } catch (err) {
    if (err.status === 401) {
      token = '';
      sessionStorage.removeItem('fleet-token');
    }
    show(Boolean(token));
    $('error').textContent = err.message;
  }
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const session = await api('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('name').value.trim(), password: $('password').value }) });
    token = session.token;
    sessionStorage.setItem('fleet-token', token);
    $('password').value = '';
    await refresh();
  } catch (err) {
    $('error').textContent = err.message;
  }
});
$('sign-out').addEventListener('click', async () => {
  await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
  token = '';
  sessionStorage.removeItem('fleet-token');
  show(false);
});
$('lang').addEventListener('change', () => {
  lang = $('lang').value;
  localStorage.setItem('fleet-lang', lang);
  translate();
  refresh();
});
translate();
refresh();
setInterval(refresh, 5000);
