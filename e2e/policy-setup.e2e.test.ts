// The integrator's venue and policy screen end to end (docs/integrator-setup.md, "Venue and policy"):
// the real composed demo kiosk behind the browser host, Debian's Chromium, the console opened with the
// integrator's PIN. The fever threshold is raised from 37.3 to 38.5 °C on the screen: the "what would
// happen" table turns the fever case (38.0 °C) from deny to admit before anything is saved; a person
// at 38.0 °C (the simulated thermometer) who scans WHILE the integrator edits is still denied for
// FEVER by the rule in force; after the save the next person at 38.0 °C is admitted, with the
// reading in the entry log, so the new rule decided the passage.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PassageView } from '../src/contract/api.js';
import { checkpointConfigSchema, venuePolicySchema } from '../src/contract/config.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes, type RunningKiosk } from './support/integrator.js';
import { until } from './support/until.js';

const rig = new IntegratorRig();
afterEach(async (c) => rig.tearDown(c.task.result?.state === 'fail'));

/** The fever case's row, as the screen shows it. */
async function feverRow(page: Page): Promise<{ edited: string | null; inForce: string | null; changed: string | null }> {
  const row = page.locator('[data-testid="policy-case-fever"]');
  return { edited: await row.getAttribute('data-decision'), inForce: await row.getAttribute('data-in-force'), changed: await row.getAttribute('data-changed') };
}

/**
 * A demo person (green code) at `celsius` scans; answers the passage as decided (reason and
 * temperature too). Each call names another person: the same code again within the duplicate
 * window makes no second entry (docs/door-passage.md).
 */
async function passageAt(r: RunningKiosk, celsius: number, person: string): Promise<PassageView> {
  r.composed.demo!.thermometer.setTemperature(celsius);
  let shown: PassageView | null = null;
  const off = r.composed.service.subscribe((e) => {
    if (e.type === 'passage' && e.passage.state === 'shown' && e.passage.decision) shown = e.passage;
  });
  try {
    const decision = await passageDecided(r, person);
    await until('the decided passage shown', () => shown !== null, 10_000);
    expect(shown!.decision).toBe(decision);
    return shown!;
  } finally {
    off();
  }
}

const previewCalls = (r: RunningKiosk) => r.composed.store!.auditOf(['admin-action'], 500).filter((a) => a.detail.what === 'policy-preview').length;

describe('venue and policy (docs/integrator-setup.md)', () => {
  it('raises the fever threshold on screen: the preview shows the change, the guard keeps deciding, the next passage is decided by the saved rule', async () => {
    const r = await rig.startDemo();
    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'policy');

    // Every rule of spec §4 is on the screen with its default and one line of meaning.
    const fever = page.locator('#policy-policy-feverThresholdC');
    await expect.poll(() => fever.inputValue()).toBe('37.3');
    const feverField = page.locator('.settings-field[data-path="policy.feverThresholdC"]');
    // In Chinese on the zh-CN screen (src/renderer/console/config-meanings.ts), the rule cited.
    expect(await feverField.locator('.settings-meaning').textContent()).toContain('发热判定阈值（°C），健康码规范 §4 规则 6');
    expect(await feverField.locator('.settings-default').textContent()).toContain('37.3');
    // Every key of the schema's policy and checkpoint sections (a rule added there must reach the screen).
    for (const path of [...Object.keys(venuePolicySchema.shape).map((k) => `policy.${k}`), ...Object.keys(checkpointConfigSchema.shape).map((k) => `checkpoint.${k}`)]) {
      const field = page.locator(`.settings-field[data-path="${path}"]`);
      expect(await field.count(), path).toBe(1);
      expect((await field.locator('.settings-meaning').textContent())?.length ?? 0, path).toBeGreaterThan(20);
    }
    for (const path of ['venueId', 'venueName', 'kioskId', 'kioskName', 'language']) expect(await page.locator(`.settings-field[data-path="${path}"]`).count(), path).toBe(1);

    // The preview under the rules in force: seven cases and four EU certificate holders, the fever one (38.0 °C) denied.
    await page.waitForSelector('#policy-preview[data-state="ready"] [data-testid="policy-case-fever"]');
    expect(await page.locator('.policy-cases tbody tr').count()).toBe(11);
    expect(await feverRow(page)).toEqual({ edited: 'deny', inForce: 'deny', changed: 'false' });
    expect(await page.locator('[data-testid="policy-case-fever-edited"]').textContent()).toContain('FEVER');

    // The integrator types 38.5 key by key: the preview follows, debounced (not a call per key).
    const callsBefore = previewCalls(r);
    await fever.fill('');
    await fever.pressSequentially('38.5', { delay: 40 });
    await until('the preview under 38.5 °C', async () => (await feverRow(page)).edited === 'admit' && (await page.locator('#policy-preview').getAttribute('data-state')) === 'ready', 10_000);
    expect(await feverRow(page)).toEqual({ edited: 'admit', inForce: 'deny', changed: 'true' });
    const typedCalls = previewCalls(r) - callsBefore;
    expect(typedCalls).toBeGreaterThanOrEqual(1);
    expect(typedCalls).toBeLessThanOrEqual(2);
    // Only the fever row moved.
    expect(await page.locator('.policy-cases tr[data-changed="true"]').count()).toBe(1);
    // The edited field in view beside the table, as the integrator sees it.
    await fever.evaluate((el) => el.closest('.settings-field')!.scrollIntoView({ block: 'nearest' }));
    await screenshotsAtBothShapes(page, 'policy-setup-preview-38.5');

    // While the integrator edits (not saved yet), a person at 38.0 °C is decided by the rule in force.
    const during = await passageAt(r, 38.0, 'zhangsan');
    expect(during).toMatchObject({ decision: 'deny', reason: 'FEVER', temperatureC: 38 });

    // Save: only the changed path, against the revision read.
    const revisionBefore = Number(/\d+/.exec((await page.locator('[data-testid="policy-revision"]').textContent()) ?? '')?.[0]);
    await page.locator('#policy-save').click();
    await page.waitForSelector('#policy-notice[data-tone="ok"]');
    expect(await page.locator('[data-testid="policy-applied"]').textContent()).toContain('policy.feverThresholdC');
    const changed = r.composed.store!.auditOf(['config-changed'], 1)[0]!.detail;
    expect(changed).toMatchObject({ paths: ['policy.feverThresholdC'], revision: revisionBefore + 1 });
    await until('the table under the saved rules', async () => (await feverRow(page)).inForce === 'admit', 10_000);
    expect(await feverRow(page)).toEqual({ edited: 'admit', inForce: 'admit', changed: 'false' });

    // The next person at 38.0 °C is admitted: the saved threshold decided the passage.
    const after = await passageAt(r, 38.0, 'lisi');
    expect(after).toMatchObject({ decision: 'admit', reason: null, temperatureC: 38 });
    // And 38.5 °C is still a fever (≥ the new threshold): the rule moved, it did not switch off.
    const atThreshold = await passageAt(r, 38.5, 'grandma');
    expect(atThreshold).toMatchObject({ decision: 'deny', reason: 'FEVER' });
    await screenshotsAtBothShapes(page, 'policy-setup-saved');

    // Rapid antigen tests turned off (the demo accepts EU certificates): the EU rapid-test row alone
    // turns to deny before anything is saved, the box's meaning says what ticking it does.
    const ratRow = page.locator('[data-testid="policy-case-dcc-test-rat"]');
    expect(await ratRow.getAttribute('data-decision')).toBe('admit');
    expect(await ratRow.locator('td > strong').first().textContent()).toBe('欧盟证书：抗原快速检测');
    expect(await page.locator('.settings-field[data-path="policy.dccTestRatMaxHours"] .settings-meaning').textContent()).toContain('勾选“关闭”则不接受抗原检测');
    await page.locator('[data-testid="policy-policy-dccTestRatMaxHours-off"]').check();
    await until('the preview with rapid tests off', async () => (await ratRow.getAttribute('data-decision')) === 'deny' && (await page.locator('#policy-preview').getAttribute('data-state')) === 'ready', 10_000);
    expect(await ratRow.getAttribute('data-changed')).toBe('true');
    expect(await page.locator('[data-testid="policy-case-dcc-test-rat-edited"]').textContent()).toContain('DCC_TEST_TYPE_NOT_ACCEPTED');
    expect(await page.locator('.policy-cases tr[data-changed="true"]').count()).toBe(1);
    expect(await page.locator('[data-testid="policy-case-dcc-test-naat"]').getAttribute('data-decision')).toBe('admit');
    await ratRow.scrollIntoViewIfNeeded();
    await screenshotsAtBothShapes(page, 'policy-setup-rapid-tests-off');
  }, 180_000);

  it('refuses a typo on screen with the path and what is wrong, shows no preview and sends nothing', async () => {
    const r = await rig.startDemo();
    const page = await rig.openPage(r, { width: 1024, height: 600 });
    await openIntegratorConsole(page, 'policy');
    await page.waitForSelector('#policy-preview[data-state="ready"]');
    const savesBefore = r.composed.store!.auditOf(['config-changed'], 50).length;
    await page.locator('#policy-policy-maxStatusAgeHours').fill('-4');
    await page.locator('#policy-policy-feverThresholdC').fill('hot');
    await page.waitForSelector('#policy-preview[data-state="invalid"]');
    const problems = await page.locator('#policy-preview-problems').textContent();
    expect(problems).toContain('policy.maxStatusAgeHours');
    expect(problems).toContain('policy.feverThresholdC');
    expect(await page.locator('[data-testid="policy-policy-feverThresholdC-error"]').textContent()).toContain('policy.feverThresholdC:');
    // In Chinese on the zh-CN screen: the problem built from the schema's issue, the key's meaning too.
    expect(await page.locator('[data-testid="policy-policy-feverThresholdC-error"]').textContent()).toBe('policy.feverThresholdC: 应为数字');
    expect(await page.locator('[data-testid="policy-policy-maxStatusAgeHours-error"]').textContent()).toBe('policy.maxStatusAgeHours: 须大于 0');
    expect(await page.locator('.settings-field[data-path="policy.feverThresholdC"] .settings-meaning').textContent()).toContain('发热判定阈值（°C）');
    expect(await page.locator('#policy-save').isDisabled()).toBe(true);
    // The guard keeps deciding while the form is wrong.
    expect(await passageDecided(r)).toBe('admit');
    await screenshotsAtBothShapes(page, 'policy-setup-typo');
    // The same in English: the labels and the table follow the language, the typed values stay.
    await page.locator('#console-language').click();
    await page.waitForSelector('.console[lang="en"]');
    expect(await page.locator('#policy-preview h3').textContent()).toBe('What would happen');
    expect(await page.locator('#policy-policy-feverThresholdC').inputValue()).toBe('hot');
    expect(await page.locator('[data-testid="policy-policy-feverThresholdC-error"]').textContent()).toContain('expected number');
    expect(await page.locator('.settings-field[data-path="policy.feverThresholdC"] .settings-meaning').textContent()).toContain('the fever threshold in °C');
    await screenshotsAtBothShapes(page, 'policy-setup-typo-en');
    expect(r.composed.store!.auditOf(['config-changed'], 50).length).toBe(savesBefore);
  }, 120_000);

  it('a venue name typed on the screen is saved and put in the guard\'s status bar before the lane name, without a restart; one over 64 characters is named, the longest gives way to the lane', async () => {
    const r = await rig.startDemo();
    const page = await rig.openPage(r, { width: 1024, height: 600 });
    // The demo names its lane and not its venue.
    expect(await page.locator('#kiosk-name').textContent()).toBe('Lane 1');
    await openIntegratorConsole(page, 'policy');
    await page.waitForSelector('#policy-preview[data-state="ready"]');
    expect(await page.locator('.settings-field[data-path="venueName"] label').textContent()).toBe('场所名称');
    // One character over the limit is named on the field (not cut off silently), and not saved.
    const longest = '上海市浦东新区张江高科技园区东门商场'.repeat(4).slice(0, 64);
    await page.locator('#policy-venueName').fill(longest + '场');
    await page.waitForSelector('[data-testid="policy-venueName-error"]');
    expect(await page.locator('[data-testid="policy-venueName-error"]').textContent()).toContain('venueName');
    expect(await page.locator('#policy-save').isDisabled()).toBe(true);
    await page.locator('#policy-venueName').fill(longest);
    expect(await page.locator('#policy-save').textContent()).toBe('保存（1 项修改）');
    await page.locator('#policy-save').click();
    await page.waitForSelector('#policy-notice[data-tone="ok"]');
    expect(r.composed.store!.auditOf(['config-changed'], 1)[0]).toMatchObject({ detail: { paths: ['venueName'] } });
    expect(JSON.parse(readFileSync(join(r.kiosk.dataDir, 'config.json'), 'utf8')).venueName).toBe(longest);
    await until('the venue in the status bar', async () => (await page.locator('#kiosk-name').textContent()) === `${longest} · Lane 1`, 10_000);
    // The longest venue name gives way: the lane's name is whole and beside it, left of the clock.
    const lane = await page.locator('#kiosk-name .lane-name').evaluate((e) => ({ right: e.getBoundingClientRect().right, cut: e.scrollWidth > e.clientWidth, text: e.textContent }));
    expect(lane).toMatchObject({ cut: false, text: ' · Lane 1' });
    expect(lane.right).toBeLessThanOrEqual((await page.locator('#clock').boundingBox())!.x);
    await screenshotsAtBothShapes(page, 'policy-setup-venue-name');
  }, 120_000);

  it('a nullable rule is switched on and off with its "off" box; one change says "1 change"; the comparison in words; the form keeps most of a portrait screen', async () => {
    const r = await rig.startDemo();
    const page = await rig.openPage(r, { width: 800, height: 1280 });
    await page.locator('#language-toggle').click();
    await openIntegratorConsole(page, 'policy');
    await page.waitForSelector('#policy-preview[data-state="ready"]');
    const minutes = page.locator('#policy-checkpoint-antiPassbackMinutes');
    const off = page.locator('#policy-checkpoint-antiPassbackMinutes-off');
    // Off by default (null): the box ticked, the number field not typed into.
    expect(await off.isChecked()).toBe(true);
    expect(await minutes.isDisabled()).toBe(true);
    await off.uncheck();
    expect(await minutes.isDisabled()).toBe(false);
    // Switched on and left empty: asked for a number, nothing saved as off by accident.
    await page.waitForSelector('[data-testid="policy-checkpoint-antiPassbackMinutes-error"]');
    expect(await page.locator('#policy-save').isDisabled()).toBe(true);
    await minutes.fill('15');
    await until('the error gone', async () => (await page.locator('[data-testid="policy-checkpoint-antiPassbackMinutes-error"]').count()) === 0, 5_000);
    expect(await page.locator('#policy-save').textContent()).toBe('Save (1 change)');
    expect(await page.locator('#policy-policy-feverComparison option').allTextContents()).toEqual(['≥ threshold', '> threshold']);
    // The saved language is not the one this screen runs in: said beside the field.
    if ((await page.locator('#policy-language').inputValue()) !== 'en') expect(await page.locator('[data-testid="policy-language-note"]').textContent()).toContain('This screen runs in English');
    // The form, not the dock, has most of the height at 800×1280.
    const dock = await page.locator('.policy-dock').boundingBox();
    expect(dock!.height).toBeLessThanOrEqual(1280 * 0.4 + 1);
    await screenshotsAtBothShapes(page, 'policy-setup-nullable-on');
    await page.locator('#policy-save').click();
    await page.waitForSelector('#policy-notice[data-tone="ok"]');
    expect(r.composed.store!.auditOf(['config-changed'], 5)[0]).toMatchObject({ detail: { paths: ['checkpoint.antiPassbackMinutes'] } });
    // Ticked again: off, the number remembered for the next time it is switched on.
    await off.check();
    expect(await minutes.inputValue()).toBe('');
    expect(await page.locator('#policy-save').textContent()).toBe('Save (1 change)');
    await off.uncheck();
    expect(await minutes.inputValue()).toBe('15');
  }, 120_000);

  it('foreign credentials (docs/dcc-policy.md): their own group, off by default; accepting them with rapid antigen tests off saves two policy keys the kiosk then holds', async () => {
    // A venue's configuration without the key (the demo turns foreign credentials on; a venue starts without them).
    const r = await rig.startDemo({ edit: (c) => void delete c.policy?.dccAccept });
    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'policy');
    await page.waitForSelector('#policy-preview[data-state="ready"]');
    const group = page.locator('#policy-group-dcc');
    expect(await group.locator('legend').textContent()).toBe('境外证书（欧盟数字新冠证书，HC1:）');
    expect(await group.locator('.settings-field').count()).toBe(9);
    expect(await page.locator('#policy-policy-dccAccept').inputValue()).toBe('false');
    expect(await page.locator('#policy-policy-dccTestRatMaxHours').inputValue()).toBe('24');
    expect(await page.locator('#policy-policy-dccTestNotDetectedCode').inputValue()).toBe('260415000');
    await page.locator('#policy-policy-dccAccept').selectOption('true');
    await page.locator('#policy-policy-dccTestRatMaxHours-off').check();
    expect(await page.locator('#policy-save').textContent()).toBe('保存（2 项修改）');
    await group.scrollIntoViewIfNeeded();
    await screenshotsAtBothShapes(page, 'policy-setup-dcc');
    await page.locator('#policy-save').click();
    await page.waitForSelector('#policy-notice[data-tone="ok"]');
    expect(r.composed.store!.auditOf(['config-changed'], 5)[0]).toMatchObject({ detail: { paths: ['policy.dccAccept', 'policy.dccTestRatMaxHours'] } });
    // Read back from the kiosk ("Undo changes" reads the configuration in force).
    await page.locator('#policy-reload').click();
    await until('the saved values read back', async () => (await page.locator('#policy-save').textContent()) === '保存（0 项修改）' || (await page.locator('#policy-save').isDisabled()), 5_000);
    expect(await page.locator('#policy-policy-dccAccept').inputValue()).toBe('true');
    expect(await page.locator('#policy-policy-dccTestRatMaxHours-off').isChecked()).toBe(true);
    expect(await page.locator('#policy-policy-dccTestNaatMaxHours').inputValue()).toBe('72');
  }, 120_000);
});
