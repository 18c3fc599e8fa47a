// `kiosk identity`: makes the kiosk's Ed25519 device key on first use and prints the kiosk id and
// the public key an operator registers with the collector (`kiosk collector register <public key>`).
import { DeviceKeyError, loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

export const register: RegisterCommand = (program, io) => {
  withDataDir(program.command('identity'))
    .description('print this kiosk\'s id and device public key (creating the key, 0600, on first use)')
    .action((opts: { dataDir?: string }) => {
      let id;
      try {
        id = loadOrCreateDeviceKey(dataDirOf(opts));
      } catch (err) {
        if (err instanceof DeviceKeyError) throw new CliError(err.reason, err.message);
        throw err;
      }
      printJson(io, {
        kioskId: id.kioskId,
        publicKey: id.publicKeyB64,
        algorithm: 'Ed25519',
        keyFile: id.keyFile,
        created: id.created,
        register: `kiosk collector register ${id.publicKeyB64} --name <where this kiosk stands>`,
      });
    });
};
