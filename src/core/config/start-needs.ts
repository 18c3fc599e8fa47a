// What a production kiosk needs in config.json before `kiosk start` runs it (README "Commands",
// "Configuration"): the venue and the kiosk named, at least one pinned national root, and the admin
// PIN. The schema gives venueId and kioskId demo defaults and roots an empty list, so a file that
// parses can still be a kiosk that denies everyone "issuer unknown" under the demo's name; start
// refuses it with these lines, and `kiosk config check` says the same lines with the same exit code.
import type { ConfigProblem, KioskConfig } from '../../contract/config.js';
import type { ConfigDocument } from './config.js';

const written = (doc: ConfigDocument, key: string) => typeof doc[key] === 'string' && (doc[key] as string).length > 0;

/** Each key start needs and the document lacks, with what to do (empty: nothing missing). */
export function missingForStart(doc: ConfigDocument, config: KioskConfig): ConfigProblem[] {
  const missing: ConfigProblem[] = [];
  if (!written(doc, 'venueId')) missing.push({ path: 'venueId', message: 'not set: the venue this kiosk stands in (entries and uploads carry it)' });
  if (!written(doc, 'kioskId')) missing.push({ path: 'kioskId', message: 'not set: this kiosk\'s id (entries and uploads carry it)' });
  if (config.roots.length === 0) missing.push({ path: 'roots', message: 'no pinned root: a kiosk needs at least one pinned root (the national root keys, [{kid, pub}]), or every code is refused as issuer unknown' });
  if (!config.admin.pin) missing.push({ path: 'admin.pin', message: 'not set: the admin view needs a PIN (`kiosk admin set-pin < pin.txt`)' });
  return missing;
}
