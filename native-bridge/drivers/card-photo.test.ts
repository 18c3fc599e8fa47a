import { describe, expect, it } from 'vitest';
import { demoPerson } from '../../src/core/demo/people.js';
import { encodeTextBlock } from '../idcard/text-block.js';
import { simulatedPhoto } from '../idcard/read-response.js';
import { decodeCard, type PhotoDecoder } from './idcard-driver.js';

const blocks = () => ({ text: encodeTextBlock(demoPerson('lisi')!), photo: simulatedPhoto('lisi'), fingerprint: null });

describe('card photo: raw WLT bytes with a pluggable decoder', () => {
  it('keeps the raw 1024 bytes and decodes nothing by default', async () => {
    const r = await decodeCard(blocks());
    expect(r.ok && r.card.photo).toEqual({ format: 'wlt', bytes: new Uint8Array(simulatedPhoto('lisi')), decoded: null });
  });

  it('hands the raw bytes to an installed decoder and keeps its bitmap', async () => {
    let seen: Uint8Array | null = null;
    const decoder: PhotoDecoder = async (wlt) => {
      seen = wlt;
      return { width: 102, height: 126, mimeType: 'image/bmp', data: new Uint8Array(4) };
    };
    const r = await decodeCard(blocks(), decoder);
    expect(seen!.length).toBe(1024);
    expect(r.ok && r.card.photo.decoded).toMatchObject({ width: 102, height: 126 });
  });

  it('a decoder that fails leaves the photo undecoded and the card good', async () => {
    const r = await decodeCard(blocks(), async () => {
      throw new Error('vendor library missing');
    });
    expect(r.ok && r.card.photo.decoded).toBeNull();
    expect(r.ok && r.card.name).toBe('李四');
  });

  it('a text block that fails its checks is not a card', async () => {
    const b = blocks();
    b.text.write('Z', 248, 'utf16le');
    expect(await decodeCard(b)).toEqual({ ok: false, reason: 'CARD_TYPE_UNKNOWN', field: 'cardType' });
  });
});
