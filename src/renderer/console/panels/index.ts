// Every console panel, once, in the order of the console's navigation (docs/admin-console.md).
import type { ConsolePanel } from '../panel.js';
import { todayPanel } from './today.js';

export const PANELS: ConsolePanel[] = [
  todayPanel,
];
