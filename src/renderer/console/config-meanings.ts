// The configuration's words in Chinese for the console's setup and settings screens
// (docs/integrator-setup.md; docs/admin-console.md, "Settings"): the kiosk's screens are zh-CN by
// default, so each key's one line of meaning (the schema's `.describe()`, English, from which the
// README's "Configuration" section is generated) has a zh-CN twin here, and a problem the schema
// finds in a form is said in Chinese, built from the zod issue's own fields (origin, minimum,
// expected, keys, values, format) rather than by translating zod's English sentence. This module
// lives in the console chunk, not in src/renderer/i18n.ts: the guard screen's bundle must not carry
// the setup screens' strings. config-meanings.test.ts walks the schema and fails on any described
// path without a zh-CN line here, so a new key cannot land untranslated.
import type { z } from 'zod';
import type { Language } from '../../contract/api.js';
import { configProblemsOf, type ConfigProblem } from '../../contract/config.js';

const PORT = '串口设备路径，例如 /dev/ttyUSB0';
const LINE_SPEED = '串口波特率';
const PIN_RECORD = 'PIN 的 scrypt 哈希（由 `kiosk admin set-pin`、`kiosk admin set-guard-pin` 写入）';
const SALT = '盐值（十六进制）';
const HASH = 'scrypt 哈希值（十六进制）';

/** zh-CN meaning of every described configuration path (`a.b`, array elements as `a[]`). */
export const ZH_MEANINGS: Readonly<Record<string, string>> = {
  revision: '由自助机写入：每次保存（控制台、`kiosk admin set-pin`）加一；基于旧修订号做的修改会被拒绝',
  venueId: '本机所在场所的编号',
  venueName: '场所名称，显示在状态栏的通道名称之前（同一场所的各台一致）',
  kioskId: '本机编号（演示版使用设备密钥的编号）',
  kioskName: '状态栏显示的场所 / 通道名称；默认使用本机编号',
  language: '启动时的界面语言（zh-CN 或 en）；默认 zh-CN，命令行 `--language` 优先',
  roots: '集成商固定的国家根密钥（规范 §2：固定多个可支持根密钥轮换）',
  'roots[]': '一个固定的国家根密钥',
  'roots[].kid': '国家根密钥的编号（kid）',
  'roots[].pub': '其公钥（base64url）',

  policy: '场所通行策略（健康码规范 §4）',
  'policy.maxTrustListAgeDays': '密钥列表最长有效天数，按其签发时间计算，超过则不能放行；健康码规范 §4 规则 1',
  'policy.maxStatusAgeHours': '健康状态评估时间早于此小时数即视为过期；健康码规范 §4 规则 3',
  'policy.requireTestWithinHours': '要求在此小时数内有阴性检测结果；留空为关闭；健康码规范 §4 规则 4',
  'policy.feverThresholdC': '发热判定阈值（°C），健康码规范 §4 规则 6',
  'policy.feverComparison': '达到阈值（gte，≥）还是超过阈值（gt，>）判为发热；健康码规范 §4 规则 6，设备规范 §2',
  'policy.requireTemperature': '未测体温的通行转人工复核；健康码规范 §4 规则 7',
  'policy.temperatureMissingWithThermometer': '已接测温仪但没有读数时：转保安复核（review）或直接放行（admit）；健康码规范 §4 规则 7',
  'policy.cardOnlyAllowed': '仅刷身份证、不出示健康码时可以放行（仅刷证规则表）',
  'policy.maxStatusListAgeHours': '状态名单早于此小时数即视为过期',
  'policy.clockSkewSeconds': '验证时允许的时钟误差（秒）；健康码规范 §4',
  'policy.dccAccept': '是否接受境外证书（欧盟数字新冠证书，HC1:）；关闭时一律拒绝，原因 DCC_NOT_ACCEPTED（docs/dcc-policy.md）',
  'policy.dccAcceptVaccination': '欧盟证书：接受疫苗接种证书（仍须完成全程并满规定天数）',
  'policy.dccVaccinationMinDays': '欧盟证书：完成全程的那一剂（dt）起，按场所当地日期满此天数才放行；加强针当天即算',
  'policy.dccAcceptTest': '欧盟证书：接受检测证书（仍须结果为未检出、检测类型被接受且未超时）',
  'policy.dccTestNaatMaxHours': '欧盟证书：核酸检测（NAAT/PCR，LP6464-4）采样（sc）后此小时数内放行；勾选“关闭”则不接受核酸检测',
  'policy.dccTestRatMaxHours': '欧盟证书：抗原快速检测（LP217198-3）采样（sc）后此小时数内放行；勾选“关闭”则不接受抗原检测',
  'policy.dccTestNotDetectedCode': '欧盟证书：表示“未检出”的检测结果代码（tr）；其他结果均视为阳性',
  'policy.dccAcceptRecovery': '欧盟证书：接受康复证明（有效期为 df 至 du，按场所当地日期）',
  'policy.dccRecoveryMaxDays': '欧盟证书：另要求首次阳性检测（fr）起不超过此天数（场所当地日期）；勾选“关闭”则只看证书自身的 df 至 du',

  checkpoint: '单次通行：等待时间与规则（docs/door-passage.md）',
  'checkpoint.collectWindowMs': '从第一项输入起，一次通行等待其余输入（身份证、健康码、体温）的时长（毫秒）',
  'checkpoint.resetAfterMs': '通过 / 禁止结果在屏幕上停留的时长（毫秒）',
  'checkpoint.duplicateWindowMs': '同一健康码或身份证在此时长（毫秒）内再次出现，不再生成新记录',
  'checkpoint.antiPassbackMinutes': '同一人在此分钟数内再次放行时转人工复核（防回传）；留空为关闭',
  'checkpoint.waitForCardWithCode': '出示健康码后，再等待身份证（不超过等待时长）',
  'checkpoint.waitForCodeWithCard': '仅刷身份证时，等待健康码（不超过等待时长）',
  'checkpoint.reviewTimeoutMs': '复核超过此时长（毫秒）无人处理即复位（记录仍为待复核）；留空则一直等待保安',

  devices: '外接设备：每台设备的串口、波特率和协议；留空（null）表示未安装',
  'devices.idcard': '身份证阅读器',
  'devices.idcard.port': PORT,
  'devices.idcard.baudRate': '设备规范 §1：115200（可选 57600 / 38400 / 19200 / 9600）',
  'devices.idcard.pollIntervalMs': '询问阅读器是否有卡的间隔（毫秒）',
  'devices.idcard.commandTimeoutMs': '寻卡 / 选卡超过此时长（毫秒）即超时；读卡为此时长加上传输时间',
  'devices.idcard.retries': '单条命令超时或应答损坏后的重试次数',
  'devices.idcard.readAttempts': '一次放卡最多读取的次数，仍失败则拒绝',
  'devices.idcard.removeAfterMisses': '连续多少次应答“无卡”后认为卡已拿走',
  'devices.thermometer': '测温仪',
  'devices.thermometer.port': PORT,
  'devices.thermometer.baudRate': LINE_SPEED,
  'devices.thermometer.protocol': '测温仪的通信协议：`name` 为 modbus-rtu、gy-mcu90614、lu90614 或 ascii-line',
  'devices.thermometer.protocol.address': 'Modbus 从站地址',
  'devices.thermometer.protocol.function': '读保持寄存器（3）还是输入寄存器（4）',
  'devices.thermometer.protocol.register': '读取的起始寄存器',
  'devices.thermometer.protocol.count': '读取的寄存器个数',
  'devices.thermometer.protocol.valueIndex': '返回的寄存器中第几个（从 0 起）是温度',
  'devices.thermometer.protocol.scale': '寄存器每个单位对应的温度（°C）',
  'devices.thermometer.protocol.signed': '寄存器值为有符号数',
  'devices.thermometer.protocol.mode': 'query：每次轮询都发询问；continuous：只询问一次，之后持续接收',
  'devices.thermometer.protocol.query': '设置后每次轮询发送的询问（latin-1 编码）；主动推送的模块不需要',
  'devices.thermometer.minC': '设备规范 §2：可信体温的下限（°C）',
  'devices.thermometer.maxC': '设备规范 §2：可信体温的上限（°C）',
  'devices.thermometer.offsetC': '每个读数都加上的修正值（°C，现场校准）',
  'devices.thermometer.gain': '两点校准：修正值 = 原始值 × 增益 + offsetC（由两个参考温度算出；1 表示只修正偏移）',
  'devices.thermometer.pollIntervalMs': '询问传感器的间隔（毫秒）',
  'devices.thermometer.replyTimeoutMs': '应答晚于此时长（毫秒）即为超时',
  'devices.thermometer.streamTimeoutMs': '主动推送的模块静默超过此时长（毫秒）即报 FRAME_TIMEOUT',
  'devices.thermometer.stableSamples': '读数取这么多个样本的中位数（样本差值足够小时）',
  'devices.thermometer.stableSpreadC': '稳定读数允许的最大差值（°C）',
  'devices.scanner': '串口扫码器',
  'devices.scanner.port': PORT,
  'devices.scanner.baudRate': LINE_SPEED,
  'devices.scanner.idleGapMs': '设备规范 §3：静默超过此时长（毫秒）也视为一个码结束',
  'devices.scanner.maxLength': '接受的最长码长（更长的报 SCANNER_OVERLONG）',
  'devices.scanner.triggerHex': '触发扫码时发送的十六进制字节；留空为不发送',
  'devices.gate': '闸机继电器：`driver` 为 lcus（USB 继电器）或 none（无）',
  'devices.gate.port': PORT,
  'devices.gate.baudRate': LINE_SPEED,
  'devices.gate.relay': '开闸使用的继电器通道',
  'devices.gate.pulseMs': '继电器吸合的时长（毫秒）',

  camera: '摄像头设置（命令行参数优先）',
  'camera.enabled': '使用摄像头',
  'camera.deviceId': '摄像头 deviceId；留空使用默认摄像头',
  'camera.width': '采集宽度（像素）',
  'camera.height': '采集高度（像素）',
  'camera.frameRate': '每秒采集帧数',
  'camera.engine': '解码器：zxing-wasm（默认）或 zxing-library',

  store: '通行记录库',
  'store.retentionDays': '超过此天数的记录会被清除',
  'store.keyFile': '主密钥在另一挂载点上的绝对路径；默认 <数据目录>/entry-store.key',

  upload: '向汇集服务器上传通行记录',
  'upload.collectorUrl': '汇集服务器的基础地址；留空则不上传（环境变量 KIOSK_COLLECTOR_URL 优先）',
  'upload.batchSize': '每次上传请求的记录条数',
  'upload.maxEntriesPerSecond': '补传速度上限（条/秒，0 为不限）',
  'upload.requestTimeoutMs': '单次请求超过此时长（毫秒）即超时',
  'upload.listSyncMinutes': '在线时多久（分钟）询问一次是否有更新的密钥列表 / 状态名单',
  'upload.heartbeatSeconds': '本机向汇集服务器报告运行状况的间隔（秒）（docs/upload-protocol.md §11）',
  'upload.caFile': 'https 汇集服务器所用私有 CA 的 PEM 文件',
  'upload.allowInsecureHttp': '允许用明文 http 连接本机以外的汇集服务器（姓名以明文传输）',

  fleet: '来自汇集服务器的签名集群配置：固定的集群公钥、本机所属分组（docs/upload-protocol.md §12）',
  'fleet.publicKey': '集成商固定的集群公钥（由 `kiosk collector fleet-key init` 打印）；留空则不应用任何集群配置',
  'fleet.groups': '本机所属的分组：发给其中任一分组的配置包会在本机生效',

  admin: '场所管理员',
  'admin.pin': PIN_RECORD,
  'admin.pin.salt': SALT,
  'admin.pin.hash': HASH,
  'admin.integratorPin': '集成商自己的 PIN（`kiosk admin set-integrator-pin`）：打开设置界面（设备、摄像头、策略、密钥、上传、克隆），不能打开管理员界面',
  'admin.integratorPin.salt': SALT,
  'admin.integratorPin.hash': HASH,
  'admin.sessionIdleSeconds': '管理会话无操作超过此时长（秒）即结束',

  log: '本机日志：级别与轮转（大小和个数）',
  'log.level': '写入的最低级别（debug、info、warn、error）',
  'log.maxFileBytes': '日志文件将超过此字节数时轮转',
  'log.maxFiles': '除当前文件外保留的轮转文件数（kiosk.log.1 … kiosk.log.N）',

  guards: '判定需要其 PIN 的保安；为空则不需要保安 PIN',
  'guards[]': '一名保安（用 `kiosk admin set-guard-pin` 设置）',
  'guards[].id': '保安工牌号',
  'guards[].pin': PIN_RECORD,
  'guards[].pin.salt': SALT,
  'guards[].pin.hash': HASH,

  demo: '仅内置演示版才有',
  'demo.seed': '演示用 PKI 的种子（每次启动重新推导密钥）',
};

type AnySchema = { _zod: { def: { type: string; [k: string]: unknown } }; description?: string };
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/**
 * Every path of a schema that carries a `.describe()` text, with that text: a wrapper's description
 * (`.default(…).describe(…)`) or the inner schema's (`IdCardConfigSchema.nullable()`), the outer
 * winning; objects by key, array elements as `path[]`, each option of a (discriminated) union.
 */
export function describedPaths(schema: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  let node = schema as AnySchema;
  let description: string | undefined;
  for (;;) {
    description ??= node.description;
    if (!WRAPPERS.has(node._zod.def.type)) break;
    node = node._zod.def.innerType as AnySchema;
  }
  if (description !== undefined && path !== '' && !out.has(path)) out.set(path, description);
  const def = node._zod.def;
  if (def.type === 'object') for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) describedPaths(v, path ? `${path}.${k}` : k, out);
  else if (def.type === 'array') describedPaths(def.element, `${path}[]`, out);
  else if (def.type === 'union') for (const o of def.options as unknown[]) describedPaths(o, path, out);
  return out;
}

/**
 * English meanings the screen shows instead of the schema's: keys shown only on the policy screen,
 * where a null is an "off" box to tick (policy.tsx), not the `null` a config.json holds, which the
 * schema's line (and the README made from it) speaks of.
 */
export const EN_FORM_MEANINGS: Readonly<Record<string, string>> = {
  'policy.dccTestNaatMaxHours': 'DCC: a NAAT/PCR test (LP6464-4) admits up to this many hours after its sample (sc); "off" ticked: NAAT tests are not accepted',
  'policy.dccTestRatMaxHours': 'DCC: a rapid antigen test (LP217198-3) admits up to this many hours after its sample (sc); "off" ticked: rapid tests are not accepted',
  'policy.dccRecoveryMaxDays': 'DCC: also at most this many venue-local days since the first positive test (fr); "off" ticked: the certificate\'s own df..du only',
};

/**
 * A key's one line of meaning in the screen's language: zh-CN from here, English from the schema
 * (or EN_FORM_MEANINGS). The backticks that mark a command or a key for the README are not shown on the screen.
 */
export function meaningOf(path: string, english: string, language: Language): string {
  return (language === 'zh-CN' ? (ZH_MEANINGS[path] ?? english) : (EN_FORM_MEANINGS[path] ?? english)).replace(/`/g, '');
}

/** A note in brackets after a meaning: full-width and unspaced in Chinese, as Chinese typesetting has it. */
export function inBrackets(text: string, language: Language): string {
  return language === 'zh-CN' ? `（${text}）` : ` (${text})`;
}

const ZH_TYPES: Record<string, string> = {
  number: '数字',
  int: '整数',
  string: '文本',
  boolean: '是 / 否',
  object: '一组设置（对象）',
  array: '列表',
  null: '空值',
  bigint: '整数',
};

const show = (v: unknown) => (typeof v === 'string' ? `“${v}”` : typeof v === 'bigint' ? v.toString() : JSON.stringify(v));

/** One zod issue in Chinese, from its fields; null for a code not covered (zod's English is kept). */
export function zhIssueMessage(issue: z.core.$ZodIssue): string | null {
  switch (issue.code) {
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n <= 1 ? '不能为空' : `至少 ${n} 个字符`;
      if (issue.origin === 'array' || issue.origin === 'set') return `至少 ${n} 项`;
      if (issue.origin === 'file') return `至少 ${n} 字节`;
      return issue.inclusive === false ? `须大于 ${n}` : `不能小于 ${n}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `最多 ${n} 个字符`;
      if (issue.origin === 'array' || issue.origin === 'set') return `最多 ${n} 项`;
      if (issue.origin === 'file') return `最多 ${n} 字节`;
      return issue.inclusive === false ? `须小于 ${n}` : `不能大于 ${n}`;
    }
    case 'invalid_type':
      return `应为${ZH_TYPES[issue.expected] ?? issue.expected}`;
    case 'unrecognized_keys':
      return '未知的配置项';
    case 'invalid_value':
      return issue.values.length === 1 ? `只能是 ${show(issue.values[0])}` : `只能是以下之一：${issue.values.map(show).join('、')}`;
    case 'invalid_format':
      if (issue.format === 'url') return '不是有效的网址';
      // A pattern the schema explains in its own words (fleet.publicKey) keeps them; zod's default does not help.
      if (issue.format === 'regex') return issue.message.startsWith('Invalid') ? '格式不对' : `格式不对（${issue.message}）`;
      return `格式不对（应为 ${issue.format}）`;
    case 'not_multiple_of':
      return `须是 ${String(issue.divisor)} 的整数倍`;
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      return discriminator ? `${discriminator} 的值不在可选范围内` : '不符合任何一种允许的形式';
    }
    default:
      return null;
  }
}

/**
 * A failed parse's problems, each at its dotted path (configProblemsOf's paths), said in the
 * screen's language: zh-CN built from each issue, English as the schema says it.
 */
export function configProblemsIn(error: z.ZodError, language: Language): ConfigProblem[] {
  const problems = configProblemsOf(error);
  if (language !== 'zh-CN') return problems;
  // configProblemsOf answers one problem per issue, in order.
  return problems.map((p, i) => ({ path: p.path, message: zhIssueMessage(error.issues[i]!) ?? p.message }));
}

/** The policy screen's own length check on free text (the wire caps it at 64 characters). */
export function atMostCharacters(n: number, language: Language): string {
  return language === 'zh-CN' ? `最多 ${n} 个字符` : `at most ${n} characters`;
}
