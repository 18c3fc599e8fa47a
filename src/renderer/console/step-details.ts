// The uploads screen's connection-test details in Chinese (docs/integrator-setup.md, "Uploads").
// Core words each step's detail in English (src/core/upload/connection-test.ts: fixed sentences
// around a host, port, TLS version, kiosk id or a system error code); the step, its state and its
// reason are already keys the console translates. On the zh-CN screen the known sentences are said
// in Chinese from their parts; anything else (a collector's own message, a new sentence core
// learns) is shown as core wrote it rather than guessed at. Worded at render time, so a language
// toggle re-words a result already on screen.
import type { Language } from '../../contract/api.js';

/** Node's network error codes core names (connection-test.ts `networkDetail`). */
const NETWORK_ZH: Record<string, string> = {
  ENOTFOUND: '域名无法解析（DNS）',
  EAI_AGAIN: '域名服务器没有应答（DNS）',
  ECONNREFUSED: '连接被拒绝：该端口没有服务在监听',
  EHOSTUNREACH: '没有到该主机的路由',
  ENETUNREACH: '网络不可达',
  ECONNRESET: '连接被重置',
};

/** What our own collector says when it refuses a kiosk (src/collector/server.ts). */
const COLLECTOR_ZH: Record<string, string> = {
  'kiosk is not registered with this collector': '未在此汇集服务器上登记',
  'kiosk is disabled on this collector': '已在此汇集服务器上停用',
};

/** "<words> (CODE)" or a bare CODE → the code's Chinese words and the code; timeouts; other text unchanged. */
function networkZh(text: string): string {
  const m = /^(?:.+ \()?([A-Z_]+)\)?$/.exec(text);
  const zh = m ? NETWORK_ZH[m[1]!] : undefined;
  if (zh) return `${zh}（${m![1]}）`;
  // src/core/upload/http.ts and connection-test.ts: a request's own deadline.
  const late = /^no (complete )?answer within (\d+) ms$/.exec(text);
  if (late) return `${late[2]} 毫秒内没有${late[1] ? '收到完整' : ''}应答`;
  return text;
}

const RULES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\S+):(\d+) answers$/, (m) => `${m[1]}:${m[2]} 有应答`],
  [/^(\S+) is (\S+); port (\d+) answers$/, (m) => `${m[1]} 解析为 ${m[2]}；端口 ${m[3]} 有应答`],
  [/^TLS handshake failed: (.*)$/, (m) => `TLS 握手失败：${networkZh(m[1]!)}`],
  [/^(.+), certificate valid for (\S+?)( \(upload\.caFile\))?$/, (m) => `${m[1]}，证书对 ${m[2]} 有效${m[3] ? '（使用 upload.caFile）' : ''}`],
  [/^plain http allowed by upload\.allowInsecureHttp$/, () => '明文 http（已由 upload.allowInsecureHttp 允许）'],
  [/^plain http to this machine \(loopback\)$/, () => '明文 http，连接的是本机（回环地址）'],
  [/^HTTP (\d+) from (\S+): not a checkpoint collector \(wrong URL or port\?\)$/, (m) => `${m[2]} 返回 HTTP ${m[1]}：不是通行汇集服务器（地址或端口填错了？）`],
  [/^checkpoint collector, protocol v(.+)$/, (m) => `通行汇集服务器，协议版本 v${m[1]}`],
  [/^kiosk (\S+) is registered(?: as (".*"))?$/, (m) => `本机 ${m[1]} 已登记${m[2] ? `，名称 ${m[2]}` : ''}`],
  // Our collector's refusals (src/collector/server.ts); another message stays as the collector wrote it.
  [/^kiosk (\S+): (.*)$/, (m) => `本机 ${m[1]}：${COLLECTOR_ZH[m[2]!] ?? m[2]}`],
  [/^(\S+):(\d+): (.*)$/, (m) => `${m[1]}:${m[2]}：${networkZh(m[3]!)}`],
];

/** A connection-test step's detail in the screen's language. */
export function stepDetailIn(detail: string, language: Language): string {
  if (language !== 'zh-CN') return detail;
  for (const [re, say] of RULES) {
    const m = re.exec(detail);
    if (m) return say(m);
  }
  return networkZh(detail);
}
