// A KioskService made of the methods given, every other method refusing with INTERNAL: for test
// doubles and benchmarks that serve a few methods, so a method added to the contract does not
// need a stub in each of them (and a call to one that is not served says so instead of hanging).
import { METHOD_NAMES, fail, type KioskService } from './api.js';

export function serviceWith(methods: Partial<KioskService>): KioskService {
  const refusing = Object.fromEntries(METHOD_NAMES.map((name) => [name, async () => fail('INTERNAL', `${name} is not served here`)]));
  return { subscribe: () => () => undefined, ...refusing, ...methods } as KioskService;
}
