// The connection test's step details (step-details.ts): core's sentences (src/core/upload/
// connection-test.ts) said in Chinese on the zh-CN screen from their parts, unchanged in English,
// and anything not known (a collector's own message) shown as written rather than guessed at.
import { describe, expect, it } from 'vitest';
import { stepDetailIn } from './step-details.js';

describe('connection test details', () => {
  it('says each of core\'s sentences in Chinese, keeping hosts, ports, versions and codes', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1:8443 answers', '127.0.0.1:8443 有应答'],
      ['collector.example.org is 10.0.0.5; port 443 answers', 'collector.example.org 解析为 10.0.0.5；端口 443 有应答'],
      ['collector.example.org:443: connection refused: nothing listens on that port (ECONNREFUSED)', 'collector.example.org:443：连接被拒绝：该端口没有服务在监听（ECONNREFUSED）'],
      ['nowhere.invalid:443: the name does not resolve (DNS) (ENOTFOUND)', 'nowhere.invalid:443：域名无法解析（DNS）（ENOTFOUND）'],
      ['TLSv1.3, certificate valid for collector.example.org (upload.caFile)', 'TLSv1.3，证书对 collector.example.org 有效（使用 upload.caFile）'],
      ['TLSv1.3, certificate valid for collector.example.org', 'TLSv1.3，证书对 collector.example.org 有效'],
      ['TLS handshake failed: the connection was reset (ECONNRESET)', 'TLS 握手失败：连接被重置（ECONNRESET）'],
      ['plain http allowed by upload.allowInsecureHttp', '明文 http（已由 upload.allowInsecureHttp 允许）'],
      ['plain http to this machine (loopback)', '明文 http，连接的是本机（回环地址）'],
      ['HTTP 404 from /v1/health: not a checkpoint collector (wrong URL or port?)', '/v1/health 返回 HTTP 404：不是通行汇集服务器（地址或端口填错了？）'],
      ['checkpoint collector, protocol v1', '通行汇集服务器，协议版本 v1'],
      ['kiosk kiosk-7 is registered as "Gate 3"', '本机 kiosk-7 已登记，名称 "Gate 3"'],
      ['kiosk kiosk-7 is registered', '本机 kiosk-7 已登记'],
      ['kiosk kiosk-7: unknown kiosk', '本机 kiosk-7：unknown kiosk'],
      ['kiosk kiosk-7: kiosk is not registered with this collector', '本机 kiosk-7：未在此汇集服务器上登记'],
      ['kiosk kiosk-7: kiosk is disabled on this collector', '本机 kiosk-7：已在此汇集服务器上停用'],
      ['no answer within 5000 ms', '5000 毫秒内没有应答'],
      ['collector.example.org:443: no complete answer within 5000 ms', 'collector.example.org:443：5000 毫秒内没有收到完整应答'],
      ['ECONNRESET', '连接被重置（ECONNRESET）'],
    ];
    for (const [english, chinese] of cases) expect(stepDetailIn(english, 'zh-CN'), english).toBe(chinese);
  });

  it('leaves English as core wrote it, and an unknown sentence as it is', () => {
    expect(stepDetailIn('127.0.0.1:8443 answers', 'en')).toBe('127.0.0.1:8443 answers');
    expect(stepDetailIn('answer over 16384 bytes', 'zh-CN')).toBe('answer over 16384 bytes');
  });
});
