// `kiosk admin set-pin`: sets the admin PIN that guards the admin view (architecture.md, "Security
// boundaries"). The PIN is read from stdin, never from the command line (shell history, `ps`), and
// stored only as a scrypt hash in config.json `admin.pin`.
import { loadConfig, updateConfig } from '../../core/config/config.js';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { adminPinMatches, guardSchema, guardsOf, hashAdminPin } from '../../core/checkpoint/admin-pin.js';
import { CliError, existingDataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  // A PIN is digits only, so the line ending (and nothing else) is dropped.
  return text.split(/\r?\n/)[0] ?? '';
}

// Reads a PIN from stdin and hashes it. A PIN the hasher refuses (not 4–12 digits) is refused with the
// hasher's reason, worded for the role the PIN is for.
async function readPin(
  stdin: NodeJS.ReadableStream,
  role: 'an admin PIN' | 'an integrator PIN' | 'a guard PIN',
): Promise<{ pin: string; record: ReturnType<typeof hashAdminPin> }> {
  const pin = await firstLine(stdin);
  try {
    return { pin, record: hashAdminPin(pin) };
  } catch (err) {
    throw new CliError('BAD_REQUEST', (err as Error).message.replace('an admin PIN', role));
  }
}

export const register: RegisterCommand = (program, io) => {
  const admin = program.command('admin').description('administration of this kiosk');
  withDataDir(admin.command('set-pin'))
    .description('set the admin PIN (4–12 digits, read from stdin: `kiosk admin set-pin < pin.txt` or type it)')
    .action(async (opts: { dataDir?: string }) => {
      const { pin, record } = await readPin(io.stdin, 'an admin PIN');
      const dataDir = ensureDataDir(existingDataDirOf(opts));
      // Checked first: a config.json that does not load is reported, never written over.
      const current = loadConfig(dataDir);
      if (current.admin.integratorPin && adminPinMatches(pin, current.admin.integratorPin)) throw new CliError('BAD_REQUEST', 'the admin PIN must differ from the integrator PIN');
      // Only `admin.pin` changes. Everything else stays as the integrator wrote it: writing the parsed
      // document back would fill in every default, and a default written down no longer follows the
      // kiosk's defaults (docs/security.md, "Admin PIN").
      // The running kiosk sees the file change and takes the new PIN without a restart (its watcher
      // reloads config.json; src/core/config/live.ts). The save bumps the revision.
      updateConfig(dataDir, [{ path: 'admin.pin', value: record }]);
      printJson(io, { adminPin: 'set', config: 'admin.pin (scrypt hash)' });
    });
  // The integrator's own PIN (docs/security.md, "Admin sessions"): opens the setup screens, not the
  // admin's; one PIN for both roles would make the two roles one.
  withDataDir(admin.command('set-integrator-pin'))
    .description('set the integrator PIN (4–12 digits, read from stdin): opens the setup screens (devices, camera, policy, trust, uploads, cloning)')
    .action(async (opts: { dataDir?: string }) => {
      const { pin, record } = await readPin(io.stdin, 'an integrator PIN');
      const dataDir = ensureDataDir(existingDataDirOf(opts));
      const config = loadConfig(dataDir);
      if (config.admin.pin && adminPinMatches(pin, config.admin.pin)) throw new CliError('BAD_REQUEST', 'the integrator PIN must differ from the admin PIN');
      updateConfig(dataDir, [{ path: 'admin.integratorPin', value: record }]);
      printJson(io, { integratorPin: 'set', config: 'admin.integratorPin (scrypt hash)' });
    });
  // Guards (docs/security.md, "Guard identity"): once any is set, a verdict at the screen needs a
  // guard's PIN and the override names the guard.
  withDataDir(admin.command('set-guard-pin <badgeId>'))
    .description('set the PIN of the guard with this badge id (read from stdin); from then on verdicts need a guard PIN')
    .action(async (badgeId: string, opts: { dataDir?: string }) => {
      if (!guardSchema.shape.id.safeParse(badgeId).success) throw new CliError('BAD_REQUEST', 'a badge id is 1–32 letters, digits, `.`, `_` or `-`');
      const { pin, record } = await readPin(io.stdin, 'a guard PIN');
      const dataDir = ensureDataDir(existingDataDirOf(opts));
      const config = loadConfig(dataDir);
      const others = guardsOf(config).filter((g) => g.id !== badgeId);
      // Two guards with one PIN could not be told apart in the log.
      if (others.some((g) => adminPinMatches(pin, g.pin))) throw new CliError('BAD_REQUEST', 'another guard already has this PIN');
      // Only `guards` changes: the rest of the file stays as written (no defaults filled in).
      updateConfig(dataDir, [{ path: 'guards', value: [...others, { id: badgeId, pin: record }] }]);
      printJson(io, { guard: badgeId, pin: 'set', guards: others.length + 1 });
    });
};
