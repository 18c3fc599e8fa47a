// Each role sees its own panels in its own order (docs/security.md "Admin sessions";
// docs/integrator-setup.md: the order a kiosk is wired).
import { describe, expect, it } from 'vitest';
import { panelsFor } from './panel.js';
import { PANELS } from './panels/index.js';

describe('console panels by role', () => {
  it('the admin sees the facility screens, the integrator the setup screens, each in its order', () => {
    expect(panelsFor(PANELS, 'admin').map((p) => p.id)).toEqual(['today', 'statistics', 'export', 'trust', 'retention', 'audit', 'settings']);
    expect(panelsFor(PANELS, 'integrator').map((p) => p.id)).toEqual(['devices', 'camera', 'policy', 'trust', 'uploads', 'clone', 'settings']);
  });
});
