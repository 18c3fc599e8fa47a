// ID card reader over a real pty (socat) against the simulator: presentation and removal, split
// frames, garbage before and inside frames, wrong checksums, timeouts, SW3 failures, unplug/replug.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../src/core/demo/people.js';
import { MAX_FRAME_LENGTH } from '../idcard/frame.js';
import { encodeReadResponse, simulatedPhoto } from '../idcard/read-response.js';
import { encodeTextBlock } from '../idcard/text-block.js';
import { IdCardSimulator } from '../simulators/idcard-sim.js';
import { errorsOf, startRig, until, type Rig } from '../testing/rig.js';

let rig: Rig<IdCardSimulator>;

beforeAll(async () => {
  rig = await startRig(
    'idcard',
    (pair) => new IdCardSimulator({ devicePath: pair.devicePath, baudRate: 115200, pair }),
    (port) => ({ idcard: { port, baudRate: 115200, pollIntervalMs: 50, commandTimeoutMs: 400 } }),
  );
});
afterAll(async () => {
  await rig?.stop();
});

/** Presents a card, waits for it to be delivered, takes it away and waits for the removal. */
async function presentAndRemove(key: string) {
  const presented = rig.next('card-presented');
  rig.sim.present(key);
  const event = await presented;
  const removed = rig.next('card-removed');
  rig.sim.remove();
  await removed;
  return event.card;
}

describe('ID card reader over a pty', () => {
  it('reads a presented card once with find → select → read, and reports its removal', async () => {
    const start = rig.sim.received.length;
    const presented = rig.next('card-presented');
    rig.sim.present('zhangsan');
    const { card } = await presented;
    const person = demoPerson('zhangsan')!;
    expect(card).toMatchObject({ docType: 'CN', name: person.name, idNumber: person.idNumber, birthDate: '1990-03-07', sex: { en: 'Male' }, ethnicGroup: { zh: '汉族' } });
    expect(card.photo.bytes.length).toBe(1024);
    expect(card.photo.decoded).toBeNull();
    expect(rig.health()).toMatchObject({ device: 'idcard', configured: true, connected: true, port: rig.pair.hostPath });
    expect(rig.health().lastGoodFrameAt).not.toBeNull();
    const sequence = rig.sim.received.slice(start);
    const readAt = sequence.indexOf('readTextPhoto');
    expect(sequence.slice(readAt - 2, readAt + 1)).toEqual(['find', 'select', 'readTextPhoto']);
    // While the card stays on the reader the driver keeps polling but never reads it again.
    const reads = () => rig.sim.received.filter((c) => c === 'readTextPhoto').length;
    const readsNow = reads();
    const finds = rig.sim.received.length;
    await until(() => rig.sim.received.length >= finds + 5, 'five more polls');
    expect(reads()).toBe(readsNow);
    expect(rig.events.filter((e) => e.type === 'card-presented')).toHaveLength(1);
    const removed = rig.next('card-removed');
    rig.sim.remove();
    await removed;
  });

  it('reads every card type: J, I and Y', async () => {
    expect(await presentAndRemove('huangli')).toMatchObject({ cardType: 'J', docType: 'HMT' });
    expect(await presentAndRemove('johnsmith')).toMatchObject({ cardType: 'I', nameEn: 'SMITH, JOHN' });
    expect(await presentAndRemove('mariagarcia')).toMatchObject({ cardType: 'Y', nationality: 'ESP' });
  });

  it('reads frames that arrive one byte at a time', async () => {
    rig.sim.maxChunk = 1;
    try {
      expect((await presentAndRemove('lisi')).name).toBe(demoPerson('lisi')!.name);
    } finally {
      rig.sim.maxChunk = Infinity;
    }
  });

  it('skips garbage before a frame', async () => {
    const before = errorsOf(rig.health(), 'FRAME_NOISE');
    await rig.sim.noise(300);
    expect((await presentAndRemove('wangwu')).validTo).toBeNull();
    expect(errorsOf(rig.manager.health().find((h) => h.device === 'idcard')!, 'FRAME_NOISE')).toBeGreaterThan(before);
  });

  it('recovers from garbage inside a frame by asking again', async () => {
    const before = rig.sim.received.length;
    const errorsBefore = errorsOf(rig.health(), 'FRAME_CHECKSUM') + errorsOf(rig.health(), 'FRAME_TIMEOUT');
    // The garbage goes inside the answer to the first read of this card (not a poll's answer).
    let garbled = false;
    rig.sim.onCommandReceived = (name) => {
      if (name === 'readTextPhoto' && !garbled) {
        rig.sim.garbageInsideNext = randomBytes(40);
        garbled = true;
      }
    };
    try {
      const card = await presentAndRemove('zhaoliu');
      expect(card.ethnicGroup?.en).toBe('Hui');
    } finally {
      rig.sim.onCommandReceived = null;
    }
    expect(garbled).toBe(true);
    // The garbled answer was refused (counted) and the read asked for again.
    expect(rig.sim.received.slice(before).filter((c) => c === 'readTextPhoto').length).toBeGreaterThanOrEqual(2);
    const h = rig.health();
    expect(errorsOf(h, 'FRAME_CHECKSUM') + errorsOf(h, 'FRAME_TIMEOUT')).toBeGreaterThan(errorsBefore);
  });

  it('rejects a reply with a wrong checksum and retries', async () => {
    const before = errorsOf(rig.health(), 'FRAME_CHECKSUM') + errorsOf(rig.health(), 'FRAME_TIMEOUT');
    rig.sim.corruptNext = true;
    await presentAndRemove('grandma');
    const h = rig.health();
    expect(errorsOf(h, 'FRAME_CHECKSUM') + errorsOf(h, 'FRAME_TIMEOUT')).toBeGreaterThan(before);
  });

  it('times out on a silent reader, counts it, and resumes when it answers again', async () => {
    rig.sim.silent = true;
    await rig.next('health', (e) => errorsOf(e.health, 'FRAME_TIMEOUT') > 0 && e.health.lastError === 'FRAME_TIMEOUT');
    rig.sim.silent = false;
    expect((await presentAndRemove('grandpa')).idNumber).toBe(demoPerson('grandpa')!.idNumber);
  });

  it('reports a card whose reads keep failing as rejected with the SW3 reason, once', async () => {
    rig.sim.failNextReads(0x33, 3);
    const rejected = rig.next('card-rejected');
    rig.sim.present('xiaoming');
    expect((await rejected).reason).toBe('CARD_SW_VERIFY_FAILED');
    const removed = rig.next('card-removed');
    rig.sim.remove();
    await removed;
  });

  it('a read that fails once is retried and the card delivered', async () => {
    rig.sim.failNextReads(0x41, 1);
    expect((await presentAndRemove('lisi')).docType).toBe('CN');
    expect(errorsOf(rig.health(), 'CARD_SW_READ_FAILED')).toBeGreaterThan(0);
  });

  it('never takes a stray read reply for the answer to find', async () => {
    const before = errorsOf(rig.health(), 'FRAME_UNEXPECTED');
    const misread = errorsOf(rig.health(), 'CARD_SW_UNKNOWN_STATUS');
    const presentedBefore = rig.events.filter((e) => e.type === 'card-presented').length;
    const stray = encodeReadResponse(encodeTextBlock(demoPerson('lisi')!), simulatedPhoto('lisi'));
    await rig.sim.inject(stray);
    await until(() => errorsOf(rig.health(), 'FRAME_UNEXPECTED') > before, 'the stray frame to be set aside');
    const polls = rig.sim.received.length;
    await until(() => rig.sim.received.length >= polls + 3, 'three more polls');
    // Taken as find's answer, its 90 would have been counted as an unknown find status.
    expect(errorsOf(rig.health(), 'CARD_SW_UNKNOWN_STATUS')).toBe(misread);
    expect(rig.events.filter((e) => e.type === 'card-presented')).toHaveLength(presentedBefore);
  });

  it('survives unplug and replug in the middle of a read and reads the card after', async () => {
    const opensBefore = rig.manager.linkOf('idcard')!.opens;
    let vanishing: Promise<void> | null = null;
    rig.sim.onCommandReceived = (name) => {
      // The 1295-byte reply takes ~112 ms on the wire: pull the plug while it is on its way.
      if (name === 'readTextPhoto' && !vanishing) vanishing = rig.sim.vanish(700);
    };
    const disconnected = rig.next('health', (e) => !e.health.connected);
    const presented = rig.next('card-presented');
    const eventsBefore = rig.events.length;
    rig.sim.present('zhangsan');
    await disconnected;
    await until(() => vanishing !== null, 'the unplug');
    await vanishing;
    rig.sim.onCommandReceived = null;
    await rig.next('health', (e) => e.health.connected);
    expect((await presented).card.name).toBe('张三');
    // The cut-off read was never reported, so neither is a removal.
    expect(rig.events.slice(eventsBefore).filter((e) => e.type === 'card-removed' || e.type === 'card-rejected')).toEqual([]);
    expect(rig.manager.linkOf('idcard')!.opens).toBe(opensBefore + 1);
    const removed = rig.next('card-removed');
    rig.sim.remove();
    await removed;
  });

  it('never buffered more than one maximum frame through all of the above', () => {
    expect(rig.manager.idcard!.peakBuffered).toBeGreaterThanOrEqual(1295);
    expect(rig.manager.idcard!.peakBuffered).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
  });
});
