// The architecture's import boundaries are lint rules (eslint.config.js); this proves each rule
// bites, so a boundary cannot silently stop being enforced.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function restrictedImportErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('architecture boundaries (lint)', () => {
  it.each([
    ['src/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/core/x.ts', "import { SerialPort } from 'serialport';\nexport const a = SerialPort;\n"],
    ['src/core/x.ts', "import { a } from '../renderer/main.js';\nexport const b = a;\n"],
    ['src/core/x.ts', 'export const w = window.innerWidth;\n'],
    ['src/renderer/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/renderer/x.ts', "import { verifyCode } from '../core/codes/verify.js';\nexport const v = verifyCode;\n"],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n"],
    ['src/host/x.ts', "import { SerialPort } from 'serialport';\nexport const s = SerialPort;\n"],
    ['src/host/x.ts', "import { BrowserWindow } from 'electron';\nexport const b = BrowserWindow;\n"],
    ['src/contract/x.ts', "import { verifyCode } from '../core/codes/verify.js';\nexport const v = verifyCode;\n"],
    ['src/scan/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/core/x.ts', "import { composeKiosk } from '../app/compose.js';\nexport const c = composeKiosk;\n"],
    ['src/collector/x.ts', "import { composeKiosk } from '../app/compose.js';\nexport const c = composeKiosk;\n"],
    ['src/renderer/x.ts', "import { rendererDir } from '../app/paths.js';\nexport const r = rendererDir;\n"],
    ['native-bridge/x.ts', "import { composeKiosk } from '../src/app/compose.js';\nexport const c = composeKiosk;\n"],
    ['src/base/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/base/x.ts', "import { readFileSync } from 'fs';\nexport const r = readFileSync;\n"],
    ['src/base/x.ts', "import { verifyCode } from '../core/codes/verify.js';\nexport const v = verifyCode;\n"],
    ['src/base/x.ts', "import { ALL_REASONS } from '../contract/reasons.js';\nexport const r = ALL_REASONS;\n"],
    ['src/base/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n"],
    ['src/base/x.ts', 'export const w = window.innerWidth;\n'],
    ['src/scan/x.ts', "import { verifyCode } from '../core/codes/verify.js';\nexport const v = verifyCode;\n"],
    ['src/renderer/console/x.ts', "import { verifyCode } from '../../core/codes/verify.js';\nexport const v = verifyCode;\n"],
    ['src/renderer/console/x.tsx', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    // The admin console's panels (TSX, two folders below the renderer) keep the renderer's boundary.
    ['src/renderer/console/panels/x.tsx', "import { EntryStore } from '../../../core/store/entry-store.js';\nexport const s = EntryStore;\n"],
    ['src/renderer/console/panels/x.tsx', "import { composeKiosk } from '../../../app/compose.js';\nexport const c = composeKiosk;\n"],
    ['src/renderer/console/x.tsx', "import { startBrowserHost } from '../../host/server.js';\nexport const s = startBrowserHost;\n"],
  ])('%s may not: %s', async (file, code) => {
    expect(await restrictedImportErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['native-bridge/x.ts', "import { SerialPort } from 'serialport';\nexport const s = SerialPort;\n"],
    ['src/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/renderer/x.ts', "import { ALL_REASONS } from '../contract/reasons.js';\nexport const r = ALL_REASONS;\n"],
    ['src/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/host/x.ts', "import { composeKiosk } from '../app/compose.js';\nexport const c = composeKiosk;\n"],
    ['src/main/x.ts', "import { createKioskService } from '../app/kiosk-service.js';\nexport const c = createKioskService;\n"],
    ['src/cli/x.ts', "import { rendererDir } from '../app/paths.js';\nexport const r = rendererDir;\n"],
    ['src/base/x.ts', "import { base45Encode } from './base45.js';\nexport const e = base45Encode;\n"],
    ['src/renderer/x.ts', "import { base45Encode } from '../base/base45.js';\nexport const e = base45Encode;\n"],
    ['src/renderer/console/x.ts', "import { mulberry32 } from '../../base/prng.js';\nexport const m = mulberry32;\n"],
    ['src/scan/x.ts', "import { mulberry32 } from '../base/prng.js';\nexport const m = mulberry32;\n"],
    ['src/core/x.ts', "import { base64urlDecode } from '../base/base64url.js';\nexport const d = base64urlDecode;\n"],
    ['src/contract/x.ts', "import { base64urlDecode } from '../base/base64url.js';\nexport const d = base64urlDecode;\n"],
    ['src/renderer/console/x.ts', "import { ALL_REASONS } from '../../contract/reasons.js';\nexport const r = ALL_REASONS;\n"],
    ['src/scan/x.ts', "import { ALL_REASONS } from '../contract/reasons.js';\nexport const r = ALL_REASONS;\n"],
    ['src/renderer/console/panels/x.tsx', "import type { ConsolePanel } from '../panel.js';\nimport { createI18n } from '../../i18n.js';\nimport { fail } from '../../../contract/api.js';\nexport const p = [createI18n, fail] as unknown as ConsolePanel;\n"],
    ['src/renderer/console/x.tsx', "import { useState } from 'preact/hooks';\nimport { describePassage } from '../view-model.js';\nexport const h = [useState, describePassage];\n"],
  ])('%s may: %s', async (file, code) => {
    expect(await restrictedImportErrors(file, code)).toEqual([]);
  });
});

async function storeHandleErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('the entry store keeps its connection (lint)', () => {
  it.each([
    ['src/core/upload/x.ts', "import type { EntryStore } from '../store/index.js';\nexport const f = (store: EntryStore) => store.db;\n"],
    ['src/host/x.ts', "import type { EntryStore } from '../core/store/index.js';\nexport const f = (purgeStore: EntryStore) => purgeStore.db.prepare('SELECT 1');\n"],
    ['src/cli/x.ts', "import type { EntryStore } from '../core/store/index.js';\nexport const f = (o: { store: EntryStore }) => o.store.db;\n"],
    ['src/core/checkpoint/x.test.ts', "import type { EntryStore } from '../store/index.js';\nexport const f = (store: EntryStore) => store['db'];\n"],
    ['bench/x.ts', "import { connectionOf } from '../src/core/store/entry-store.js';\nexport const c = connectionOf;\n"],
  ])('%s may not: %s', async (file, code) => {
    expect(await storeHandleErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src/core/store/x.ts', "import { connectionOf, type EntryStore } from './entry-store.js';\nexport const f = (store: EntryStore) => connectionOf(store);\n"],
    ['src/collector/x.test.ts', "import type { CollectorDb } from './db.js';\nexport const f = (collector: { db: CollectorDb }) => collector.db;\n"],
    ['src/core/upload/x.ts', "import type { EntryStore } from '../store/index.js';\nexport const f = (store: EntryStore) => store.uploadedThrough();\n"],
  ])('%s may: %s', async (file, code) => {
    expect(await storeHandleErrors(file, code)).toEqual([]);
  });
});
