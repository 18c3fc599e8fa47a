// Every console panel, once, in the order of the console's navigation (docs/admin-console.md).
import type { ConsolePanel } from '../panel.js';
import { todayPanel } from './today.js';
import { statisticsPanel } from './statistics.js';
import { exportPanel } from './export.js';
import { trustPanel } from './trust.js';
import { retentionPanel } from './retention.js';
import { auditPanel } from './audit.js';
import { settingsPanel } from './settings.js';
import { clonePanel } from './clone.js';
import { devicesPanel } from './devices.js';
import { cameraPanel } from './camera.js';
import { policyPanel } from './policy.js';
import { uploadsPanel } from './uploads.js';

export const PANELS: ConsolePanel[] = [
  todayPanel,
  statisticsPanel,
  exportPanel,
  trustPanel,
  retentionPanel,
  auditPanel,
  settingsPanel,
  devicesPanel,
  cameraPanel,
  policyPanel,
  uploadsPanel,
  clonePanel,
];
