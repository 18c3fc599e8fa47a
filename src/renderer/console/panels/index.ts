// Every console panel, once, in the order of the console's navigation (docs/admin-console.md).
import type { ConsolePanel } from '../panel.js';
import { todayPanel } from './today.js';
import { statisticsPanel } from './statistics.js';
import { exportPanel } from './export.js';
import { trustPanel } from './trust.js';
import { retentionPanel } from './retention.js';
import { auditPanel } from './audit.js';
import { settingsPanel } from './settings.js';
import { devicesPanel } from './devices.js';
import { cameraPanel } from './camera.js';
import { policyPanel } from './policy.js';
import { clonePanel } from './clone.js';
import { uploadsPanel } from './uploads.js';

// One list for both roles, interleaved so that each role's panels (panelsFor) come in its own order:
// the admin's today, statistics, export, trust, retention, audit, settings; the integrator's in the
// order a kiosk is wired (docs/integrator-setup.md): devices, camera, policy, trust, uploads, clone,
// settings.
export const PANELS: ConsolePanel[] = [
  todayPanel,
  statisticsPanel,
  exportPanel,
  devicesPanel,
  cameraPanel,
  policyPanel,
  trustPanel,
  retentionPanel,
  auditPanel,
  uploadsPanel,
  clonePanel,
  settingsPanel,
];
