// The list of `kiosk` commands. Add a command by writing commands/<name>.ts exporting `register`
// and listing it here.
import type { Command } from 'commander';
import type { CommandIo } from '../program.js';

export type RegisterCommand = (program: Command, io: CommandIo, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [];
