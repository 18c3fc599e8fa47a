// `kiosk identity`: makes the kiosk's Ed25519 device key on first use and prints the kiosk id and
// the public key an operator registers with the collector (`kiosk collector register <public key>`).
// Beside the key's id it prints the configured `kioskId` every entry carries, and warns when they
// differ: the collector lists the kiosk under the key's id (docs/upload-protocol.md §1).
import { existsSync } from 'node:fs';
import { ConfigError, configPath, loadConfig } from '../../core/config/config.js';
import { DeviceKeyError, loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { keyFingerprint, kioskIdLink, registrationCommand } from '../../core/identity/registration.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

export const register: RegisterCommand = (program, io) => {
  withDataDir(program.command('identity'))
    .description('print this kiosk\'s id and device public key (creating the key, 0600, on first use), and the configured kioskId its entries carry')
    .action((opts: { dataDir?: string }) => {
      const dataDir = dataDirOf(opts);
      let id;
      try {
        id = loadOrCreateDeviceKey(dataDir);
      } catch (err) {
        if (err instanceof DeviceKeyError) throw new CliError(err.reason, err.message);
        throw err;
      }
      // The configured id, when there is a configuration to read; a broken one is named, not fatal
      // (the key is what this command is for).
      let configuredKioskId: string | null = null;
      let kioskName: string | null = null;
      if (existsSync(configPath(dataDir))) {
        try {
          const config = loadConfig(dataDir);
          configuredKioskId = config.kioskId;
          kioskName = config.kioskName ?? null;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          io.stderr.write(`warning: ${configPath(dataDir)} is invalid (${err.message}); the configured kioskId is not known\n`);
        }
      }
      const link = configuredKioskId === null ? null : kioskIdLink(configuredKioskId, id.kioskId);
      if (link?.warning) io.stderr.write(`warning: ${link.warning}\n`);
      printJson(io, {
        kioskId: id.kioskId,
        configuredKioskId,
        kioskIdMismatch: link?.mismatch ?? false,
        publicKey: id.publicKeyB64,
        fingerprint: (keyFingerprint(id.publicKey).match(/.{4}/g) ?? []).join(' '),
        algorithm: 'Ed25519',
        keyFile: id.keyFile,
        created: id.created,
        register: kioskName || configuredKioskId ? registrationCommand(id.publicKeyB64, kioskName ?? configuredKioskId) : `kiosk collector register ${id.publicKeyB64} --name <where this kiosk stands>`,
      });
    });
};
