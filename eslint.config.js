// Lint, with the architecture's import boundaries as rules (shared/design/architecture.md, "Layout"):
// contract imports nothing of ours; core never imports electron, serialport or the DOM; the renderer
// imports only the contract and never Node; only native-bridge/ imports serialport; only main/ and
// preload/ import electron; the composition root (src/app) is imported only by main, host and cli;
// the pure helpers (src/base) import nothing and may be imported by everything.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const serialportPatterns = ['serialport', '@serialport/*'];

const restrict = (patterns, message) => ({ group: patterns, message });
const STORE_HANDLE = 'The entry store keeps its SQLite connection: add a typed method in src/core/store instead of running SQL here.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'artifacts/**', 'test-results/**', '.kiosk-data/**', '.tmp/**', 'release/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Everywhere but native-bridge: no serialport. Everywhere but main/preload: no electron.
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    ignores: ['native-bridge/**', 'src/main/**', 'src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'Only src/main and src/preload import electron.'),
      ] }],
    },
  },
  {
    files: ['native-bridge/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['electron', 'electron/*'], 'Only src/main and src/preload import electron.'),
        restrict(['**/src/renderer/**', '**/src/main/**', '**/src/host/**', '**/src/cli/**', '**/src/app/**'], 'native-bridge sees core interfaces and the contract only.'),
      ] }],
    },
  },
  {
    files: ['src/main/**/*.ts', 'src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['**/renderer/**'], 'Electron code talks to the renderer through the contract only.'),
      ] }],
    },
  },
  // The collector is the platform's side: it shares the contract and core's codecs, never a kiosk's
  // composition, screens or hosts.
  {
    files: ['src/collector/**/*.ts'],
    ignores: ['src/collector/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'Only src/main and src/preload import electron.'),
        restrict(['**/app/**', '**/host/**', '**/main/**', '**/renderer/**', '**/cli/**'], 'The collector imports core and the contract only: the composition root (src/app) is for main, host and cli.'),
      ] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(serialportPatterns, 'Core reaches devices through interfaces; only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'Core runs anywhere in Node: never electron.'),
        restrict(['**/renderer/**', '**/main/**', '**/preload/**', '**/host/**', '**/cli/**', '**/collector/**', '**/native-bridge/**', '**/app/**'], 'Core imports only core and contract.'),
      ] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'HTMLElement'],
    },
  },
  // src/scan: the QR decoding pipeline shared by the renderer's camera worker and `kiosk decode-image`:
  // pure computation on luminance buffers, so neither Node nor the DOM.
  {
    files: ['src/scan/**/*.ts'],
    ignores: ['src/scan/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'src/scan runs in a browser worker too: no Node.' })), patterns: [
        restrict(['node:*'], 'src/scan runs in a browser worker too: no Node.'),
        restrict(['../*', '!../contract', '!../contract/*', '!../base', '!../base/*'], 'src/scan imports only the contract and src/base.'),
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'Only src/main and src/preload import electron.'),
      ] }],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage'],
    },
  },
  // src/base: the pure helpers core, scan and the renderer share (Base45, base64url, the seeded PRNG),
  // kept once instead of copied across the boundaries. It runs in every process, so it imports
  // nothing: no Node, no package, nothing of ours but its own files.
  {
    files: ['src/base/**/*.ts'],
    ignores: ['src/base/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'src/base runs everywhere: no Node.' })), patterns: [
        restrict(['node:*'], 'src/base runs everywhere: no Node.'),
        { regex: '^(?!\\./)', message: 'src/base imports nothing but its own files.' },
      ] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'The contract is shared with the renderer: no Node.' })), patterns: [
        restrict(['../*', '!../base', '!../base/*'], 'The contract imports nothing else of ours but the pure helpers (src/base).'),
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'Only src/main and src/preload import electron.'),
      ] }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node.' })), patterns: [
        restrict(['node:*'], 'The renderer has no Node.'),
        restrict(['../*', '!../contract/*', '!../../contract/*', '!../contract', '!../../contract', '!../scan/*', '!../../scan/*', '!../scan', '!../../scan', '!../base', '!../../base', '!../base/*', '!../../base/*'], 'The renderer imports only src/contract, the pure scan pipeline (src/scan) and the pure helpers (src/base).'),
        restrict(['**/core/**', '**/main/**', '**/host/**', '**/native-bridge/**', '**/cli/**', '**/collector/**', '**/app/**'], 'The renderer imports only src/contract.'),
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'The renderer never imports electron: it gets verbs from the preload.'),
      ] }],
    },
  },
  // The admin console (src/renderer/console, TSX) sits one and two folders below the renderer: it
  // may import the renderer's own modules (i18n, view-model), and beyond the renderer still only the
  // contract, scan and base. Same rules as above otherwise.
  ...[
    ['src/renderer/console/*.ts', 'src/renderer/console/*.tsx'],
    ['src/renderer/console/*/**/*.ts', 'src/renderer/console/*/**/*.tsx'],
  ].map((files, depth) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node.' })), patterns: [
        restrict(['node:*'], 'The renderer has no Node.'),
        { regex: `^${'\\.\\./'.repeat(depth + 2)}(?!(contract|scan|base)(/|$))`, message: 'The renderer imports only src/contract, the pure scan pipeline (src/scan) and the pure helpers (src/base).' },
        restrict(['**/core/**', '**/main/**', '**/preload/**', '**/host/**', '**/native-bridge/**', '**/cli/**', '**/collector/**', '**/app/**'], 'The renderer imports only src/contract.'),
        restrict(serialportPatterns, 'Only native-bridge/ imports serialport.'),
        restrict(['electron', 'electron/*'], 'The renderer never imports electron: it gets verbs from the preload.'),
      ] }],
    },
  })),
  // The entry log keeps its connection (src/core/store/entry-store.ts): every query of the kiosk
  // database lives in src/core/store, so schema changes and statistics have one home. Nothing else
  // reaches for a store's `.db` or the store-internal `connectionOf`; tests that check what was
  // written open their own read-only connection on `store.file`.
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    ignores: ['src/core/store/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'MemberExpression[property.name="db"][object.name=/[sS]tore$/]', message: STORE_HANDLE },
        { selector: 'MemberExpression[property.name="db"][object.property.name=/[sS]tore$/]', message: STORE_HANDLE },
        { selector: 'MemberExpression[property.value="db"][object.name=/[sS]tore$/]', message: STORE_HANDLE },
        { selector: 'MemberExpression[property.value="db"][object.property.name=/[sS]tore$/]', message: STORE_HANDLE },
        { selector: 'ImportSpecifier[imported.name="connectionOf"]', message: STORE_HANDLE },
      ],
    },
  },
);
