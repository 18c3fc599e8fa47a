// Code tables the text block refers to (devices spec §1): sex per GB/T 2261.1 and ethnic group per
// GB/T 3304 (numeric code, Chinese name, and the standard's romanised name).
import type { CodedValue } from '../../src/core/devices/types.js';

const SEX: Record<string, readonly [string, string]> = {
  '0': ['未知', 'Unknown'],
  '1': ['男', 'Male'],
  '2': ['女', 'Female'],
  '9': ['未说明', 'Unstated'],
};

// GB/T 3304-1991, in code order 01–56, then 97 and 98.
const ETHNIC_GROUPS: ReadonlyArray<readonly [string, string]> = [
  ['汉族', 'Han'], ['蒙古族', 'Mongol'], ['回族', 'Hui'], ['藏族', 'Zang'], ['维吾尔族', 'Uygur'],
  ['苗族', 'Miao'], ['彝族', 'Yi'], ['壮族', 'Zhuang'], ['布依族', 'Buyei'], ['朝鲜族', 'Chosen'],
  ['满族', 'Man'], ['侗族', 'Dong'], ['瑶族', 'Yao'], ['白族', 'Bai'], ['土家族', 'Tujia'],
  ['哈尼族', 'Hani'], ['哈萨克族', 'Kazak'], ['傣族', 'Dai'], ['黎族', 'Li'], ['傈僳族', 'Lisu'],
  ['佤族', 'Va'], ['畲族', 'She'], ['高山族', 'Gaoshan'], ['拉祜族', 'Lahu'], ['水族', 'Sui'],
  ['东乡族', 'Dongxiang'], ['纳西族', 'Naxi'], ['景颇族', 'Jingpo'], ['柯尔克孜族', 'Kirgiz'], ['土族', 'Tu'],
  ['达斡尔族', 'Daur'], ['仫佬族', 'Mulao'], ['羌族', 'Qiang'], ['布朗族', 'Blang'], ['撒拉族', 'Salar'],
  ['毛南族', 'Maonan'], ['仡佬族', 'Gelao'], ['锡伯族', 'Xibe'], ['阿昌族', 'Achang'], ['普米族', 'Pumi'],
  ['塔吉克族', 'Tajik'], ['怒族', 'Nu'], ['乌孜别克族', 'Uzbek'], ['俄罗斯族', 'Russ'], ['鄂温克族', 'Ewenki'],
  ['德昂族', 'Deang'], ['保安族', 'Bonan'], ['裕固族', 'Yugur'], ['京族', 'Gin'], ['塔塔尔族', 'Tatar'],
  ['独龙族', 'Derung'], ['鄂伦春族', 'Oroqen'], ['赫哲族', 'Hezhen'], ['门巴族', 'Monba'], ['珞巴族', 'Lhoba'],
  ['基诺族', 'Jino'],
];
const ETHNIC_OTHER: Record<string, readonly [string, string]> = {
  '97': ['其他', 'Other'],
  '98': ['外国血统中国籍人士', 'Foreign origin'],
};

export function sexName(code: string): CodedValue | null {
  const names = SEX[code];
  return names ? { code, zh: names[0], en: names[1] } : null;
}

export function ethnicGroup(code: string): CodedValue | null {
  if (!/^\d{2}$/.test(code)) return null;
  const n = Number(code);
  const names = n >= 1 && n <= ETHNIC_GROUPS.length ? ETHNIC_GROUPS[n - 1] : ETHNIC_OTHER[code];
  return names ? { code, zh: names[0], en: names[1] } : null;
}
