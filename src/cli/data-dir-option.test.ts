// The README promises that every `kiosk` command takes --data-dir (an integrator's scripts pass it
// to all of them). This walks the real commander program and the README's command table.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from './main.js';
import { runCli } from './testing/run-cli.js';

/** Commands that run (no subcommands of their own), by their full name ("log verify"). */
function leaves(cmd: Command, prefix: string[] = []): { name: string; command: Command }[] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return c.commands.length === 0 ? [{ name: path.join(' '), command: c }] : leaves(c, path);
  });
}

/** The command names in the README's `kiosk` table: `kiosk log verify\|seed N` → log verify, log seed. */
function readmeCommands(program: Command): string[] {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The `kiosk` command'), readme.indexOf('## Devices and simulators'));
  const names: string[] = [];
  for (const line of section.split('\n').filter((l) => l.startsWith('| `kiosk '))) {
    const cell = line.split(/(?<!\\)\|/)[1]!;
    for (const [, usage] of cell.matchAll(/`kiosk ([^`]+)`/g)) {
      const first = usage!.split(' ')[0]!;
      const rest = usage!.slice(first.length).trim();
      const group = program.commands.find((c) => c.name() === first);
      if (!group || group.commands.length === 0 || rest === '' || rest === '…') {
        names.push(first);
        continue;
      }
      // "list\|test DEVICE\|decode DEVICE HEX": each alternative starts with a subcommand's name.
      for (const alternative of rest.split('\\|')) names.push(`${first} ${alternative.trim().split(' ')[0]}`);
    }
  }
  return names;
}

describe('kiosk --data-dir', () => {
  const { program } = buildProgram();
  const all = leaves(program);
  const takesDataDir = (c: Command) => c.options.some((o) => o.long === '--data-dir');

  it('is an option of every command', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((l) => !takesDataDir(l.command)).map((l) => l.name)).toEqual([]);
  });

  it('is accepted by every command the README lists, and each of them exists', () => {
    const listed = readmeCommands(program);
    expect(listed).toEqual(expect.arrayContaining(['devices list', 'devices test', 'devices decode', 'simulate', 'log verify', 'collector']));
    const byName = new Map(all.map((l) => [l.name, l.command]));
    for (const name of listed) {
      const group = program.commands.find((c) => c.name() === name);
      const commands = group && group.commands.length > 0 ? all.filter((l) => l.name.startsWith(`${name} `)).map((l) => l.command) : [byName.get(name)];
      expect(commands.length, name).toBeGreaterThan(0);
      for (const c of commands) {
        expect(c, `README lists "kiosk ${name}" but there is no such command`).toBeDefined();
        expect(takesDataDir(c!), `kiosk ${name} refuses --data-dir`).toBe(true);
      }
    }
  });

  it('kiosk devices list --data-dir DIR runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-datadir-'));
    try {
      const run = await runCli(['devices', 'list', '--data-dir', dir]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
