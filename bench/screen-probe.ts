// The part of the in-page probes (scan and seen-latency benchmarks) that watches the fake camera:
// it timestamps the first frame of each code appearance (the clip's black marker corner, see
// scan-clip.ts) and reads which code it is (the block beside the marker). Plain JavaScript text: it
// runs in Chromium, not in Node, and expects `probe = { appear: [], frames: 0, base: null }` in scope.
// An appearance already under way when the probe starts is marked partial.
export function appearanceWatcherScript(clipWidth: number): string {
  return `
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  canvas.width = 32; canvas.height = 16;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let showing = false;
  const onFrame = (now, meta) => {
    probe.frames++;
    const k = video.videoWidth / ${clipWidth};
    ctx.drawImage(video, 0, 0, 32 * k, 16 * k, 0, 0, 32, 16);
    const d = ctx.getImageData(0, 0, 32, 16).data;
    const dark = (x, y) => d[(y * 32 + x) * 4] < 64;
    const shows = dark(6, 8);
    if (shows && !showing) {
      const captured = typeof meta.captureTime === 'number';
      probe.base = captured ? 'captureTime' : 'presentationTime';
      probe.appear.push({ t: captured ? meta.captureTime : meta.presentationTime, tag: dark(24, 8) ? 1 : 0, partial: probe.frames === 1 });
    }
    showing = shows;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);`;
}
