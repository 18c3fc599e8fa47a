// The list of `kiosk` commands. Add a command by writing commands/<name>.ts exporting `register`
// and listing it here.
import type { Command } from 'commander';
import type { CommandIo } from '../program.js';
import { register as admin } from './admin.js';
import { register as conformance } from './conformance.js';
import { register as conformanceDcc } from './conformance-dcc.js';
import { register as pki } from './pki.js';
import { register as start } from './start.js';
import { register as verify } from './verify.js';
import { register as log } from './log.js';
import { register as exportCmd } from './export.js';
import { register as devices } from './devices.js';
import { register as simulate } from './simulate.js';
import { register as identity } from './identity.js';
import { register as collector } from './collector.js';
import { register as decodeImage } from './decode-image.js';
import { register as doctor } from './doctor.js';
import { register as config } from './config.js';
import { register as trust } from './trust.js';

export type RegisterCommand = (program: Command, io: CommandIo, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [
  verify,
  conformance,
  conformanceDcc,
  pki,
  start,
  log,
  exportCmd,
  devices,
  simulate,
  identity,
  collector,
  decodeImage,
  admin,
  doctor,
  config,
  trust,
];
