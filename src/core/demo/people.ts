// The demo population: used by the demo PKI (codes minted for them), the status list, the ID-card
// reader simulator and the e2e journeys, so every part of the demo agrees on who is who.
// All of it is synthetic; the numbers carry valid check characters.
import { withCheckChar } from '../codes/id-number.js';

export type DemoDocType = 'CN' | 'HMT' | 'FP' | 'PP';
/** Card type byte at text offset 248 (devices spec §1): ' ' resident, 'J' HK/Macao/Taiwan, 'I'/'Y' foreign permanent. */
export type DemoCardType = ' ' | 'J' | 'I' | 'Y' | null;

export interface DemoPerson {
  /** Short handle used by simulators and tests: `present zhangsan`. */
  key: string;
  name: string;
  /** Latin name for foreign permanent resident cards. */
  englishName?: string;
  docType: DemoDocType;
  cardType: DemoCardType;
  idNumber: string;
  /** GB/T 2261.1 sex code. */
  sex: '0' | '1' | '2' | '9';
  /** GB/T 3304 ethnic code, two digits (resident cards only). */
  ethnic?: string;
  birthDate: string; // YYYYMMDD
  address?: string;
  authority?: string;
  validFrom: string; // YYYYMMDD
  validTo: string; // YYYYMMDD or '长期'
  /** Issuing province of their health code (GB/T 2260). */
  province: string;
  /** Health-code status colour: 0 green, 1 yellow, 2 red. */
  status: 0 | 1 | 2;
  /** Listed on the status list (card-only holders who are not green). */
  nationality?: string;
  passNumber?: string;
  guardian?: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { key: 'zhangsan', name: '张三', docType: 'CN', cardType: ' ', idNumber: withCheckChar('33010219900307123'), sex: '1', ethnic: '01', birthDate: '19900307', address: '浙江省杭州市上城区清河坊街18号', authority: '杭州市公安局上城分局', validFrom: '20150310', validTo: '20350310', province: '330000', status: 0 },
  { key: 'lisi', name: '李四', docType: 'CN', cardType: ' ', idNumber: withCheckChar('31010419920215678'), sex: '2', ethnic: '01', birthDate: '19920215', address: '上海市徐汇区漕溪北路88号', authority: '上海市公安局徐汇分局', validFrom: '20120601', validTo: '20320601', province: '310000', status: 0 },
  { key: 'wangwu', name: '王五', docType: 'CN', cardType: ' ', idNumber: withCheckChar('44010619850412003'), sex: '1', ethnic: '01', birthDate: '19850412', address: '广东省广州市天河区体育西路1号', authority: '广州市公安局天河分局', validFrom: '20100101', validTo: '长期', province: '440000', status: 2 },
  { key: 'zhaoliu', name: '赵六', docType: 'CN', cardType: ' ', idNumber: withCheckChar('11010119780901234'), sex: '2', ethnic: '03', birthDate: '19780901', address: '北京市东城区东长安街1号', authority: '北京市公安局东城分局', validFrom: '20180901', validTo: '20380901', province: '110000', status: 1 },
  { key: 'grandma', name: '孙秀英', docType: 'CN', cardType: ' ', idNumber: withCheckChar('51010719400102002'), sex: '2', ethnic: '01', birthDate: '19400102', address: '四川省成都市武侯区人民南路三段17号', authority: '成都市公安局武侯分局', validFrom: '20060102', validTo: '长期', province: '510000', status: 0 },
  { key: 'grandpa', name: '周建国', docType: 'CN', cardType: ' ', idNumber: withCheckChar('46010019450301001'), sex: '1', ethnic: '02', birthDate: '19450301', address: '海南省海口市龙华区滨海大道9号', authority: '海口市公安局龙华分局', validFrom: '20050301', validTo: '长期', province: '460000', status: 2 },
  { key: 'xiaoming', name: '陈小明', docType: 'CN', cardType: ' ', idNumber: withCheckChar('33010620150601003'), sex: '1', ethnic: '01', birthDate: '20150601', address: '浙江省杭州市西湖区文三路90号', authority: '杭州市公安局西湖分局', validFrom: '20200601', validTo: '20250601', province: '330000', status: 0, guardian: '陈大明' },
  { key: 'huangli', name: '黄丽', docType: 'HMT', cardType: 'J', idNumber: withCheckChar('81000019880808002'), sex: '2', birthDate: '19880808', address: '广东省深圳市福田区福华路100号', authority: '深圳市公安局', validFrom: '20190808', validTo: '20240808', province: '440000', status: 0, passNumber: 'H12345678' },
  { key: 'johnsmith', name: '约翰·史密斯', englishName: 'SMITH, JOHN', docType: 'FP', cardType: 'I', idNumber: 'USA310075080012', sex: '1', birthDate: '19750812', validFrom: '20170101', validTo: '20270101', province: '310000', status: 0, nationality: 'USA' },
  { key: 'mariagarcia', name: '玛丽亚', englishName: 'GARCIA LOPEZ, MARIA', docType: 'FP', cardType: 'Y', idNumber: withCheckChar('93310019820317001'), sex: '2', birthDate: '19820317', validFrom: '20230601', validTo: '20330601', province: '310000', status: 0, nationality: 'ESP' },
  { key: 'tourist', name: 'Anna Berg', docType: 'PP', cardType: null, idNumber: 'E12345678', sex: '2', birthDate: '19930412', validFrom: '20200101', validTo: '20300101', province: '110000', status: 0 },
];

export function demoPerson(key: string): DemoPerson | undefined {
  return DEMO_PEOPLE.find((p) => p.key === key);
}
