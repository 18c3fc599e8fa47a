// Pass / stop / check sounds made with Web Audio oscillators: nothing is fetched, and each is
// distinct by pitch and rhythm so a guard hears the result without looking.
import type { Tone } from './view-model.js';

interface Note {
  freq: number;
  start: number;
  length: number;
  type: OscillatorType;
}

/** pass: two rising notes; stop: three low buzzes; check: two mid beeps, repeated. */
export const SOUND_PATTERNS: Record<'pass' | 'stop' | 'check', Note[]> = {
  pass: [
    { freq: 880, start: 0, length: 0.12, type: 'sine' },
    { freq: 1320, start: 0.13, length: 0.18, type: 'sine' },
  ],
  stop: [
    { freq: 220, start: 0, length: 0.18, type: 'square' },
    { freq: 220, start: 0.25, length: 0.18, type: 'square' },
    { freq: 220, start: 0.5, length: 0.18, type: 'square' },
  ],
  check: [
    { freq: 660, start: 0, length: 0.1, type: 'triangle' },
    { freq: 660, start: 0.15, length: 0.1, type: 'triangle' },
    { freq: 660, start: 0.5, length: 0.1, type: 'triangle' },
    { freq: 660, start: 0.65, length: 0.1, type: 'triangle' },
  ],
};

export class SoundPlayer {
  private context: AudioContext | null = null;
  /** How many sounds were started (the e2e journeys check a result made a sound). */
  played = 0;

  constructor(private enabled: boolean) {}

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  play(tone: Tone): void {
    if (!this.enabled || (tone !== 'pass' && tone !== 'stop' && tone !== 'check')) return;
    try {
      this.context ??= new AudioContext();
      const ctx = this.context;
      if (ctx.state === 'suspended') void ctx.resume();
      const t0 = ctx.currentTime + 0.01;
      for (const note of SOUND_PATTERNS[tone]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = note.type;
        osc.frequency.value = note.freq;
        // Short attack and release: an abrupt start/stop clicks on cheap kiosk speakers.
        gain.gain.setValueAtTime(0, t0 + note.start);
        gain.gain.linearRampToValueAtTime(0.3, t0 + note.start + 0.01);
        gain.gain.setValueAtTime(0.3, t0 + note.start + note.length - 0.02);
        gain.gain.linearRampToValueAtTime(0, t0 + note.start + note.length);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0 + note.start);
        osc.stop(t0 + note.start + note.length + 0.01);
      }
      this.played += 1;
    } catch {
      // No audio device: the screen still shows the result; sound is an extra, never a blocker.
    }
  }
}
