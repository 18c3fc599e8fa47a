// Camera capture: getUserMedia with the configured device and resolution, one frame at a time to
// the decode worker, decoded text straight to core. No verification happens here (architecture: the
// renderer never verifies); this only moves pixels and text.
import type { CameraConfig, DeviceState } from '../contract/api.js';
import type { FrameRequest, WorkerRequest, WorkerResponse } from '../scan/protocol.js';

export interface CameraCallbacks {
  /** Decoded text exactly as the symbol holds it, with the time its frame was grabbed. */
  onText(text: string, frameAt: number): void;
  onHealth(state: DeviceState, detail: string | null): void;
}

/** The same text seen again within this window is the same phone still in view: send it once. */
const REPEAT_SUPPRESS_MS = 1500;
/** After the camera fails or disappears, try again this often. */
const RETRY_MS = 5000;

export interface CameraStats {
  frames: number;
  decoded: number;
  lastDecodeMs: number;
  /** Sum of the worker's decode time over every frame answered: total / frames is the decode cost per frame. */
  decodeMsTotal: number;
  /** Frames the worker has answered (decodeMsTotal covers these). */
  answered: number;
  /**
   * The worker's decode ms of the last RECENT_DECODES answered frames, a ring written at
   * `answered % RECENT_DECODES`: the camera screen's median ms/frame (docs/integrator-setup.md,
   * "Camera"). One store per frame; nothing is computed unless a screen asks.
   */
  recentDecodeMs: number[];
  /** Size of the last frame sent to the worker (what the decoder sees); 0 before the first. */
  frameWidth: number;
  frameHeight: number;
}

/** How many recent decode times the stats keep (about 2 s of frames at 30 fps). */
export const RECENT_DECODES = 60;

export class CameraScanner {
  private stream: MediaStream | null = null;
  private worker: Worker | null = null;
  /** The one frame buffer, owned by whichever side holds it; null while the worker has it. */
  private buffer: ArrayBuffer | null = null;
  private canvas: OffscreenCanvas | null = null;
  private seq = 0;
  private stopped = false;
  private lastText = '';
  private lastTextAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  readonly stats: CameraStats = { frames: 0, decoded: 0, lastDecodeMs: 0, decodeMsTotal: 0, answered: 0, recentDecodeMs: [], frameWidth: 0, frameHeight: 0 };
  private readonly streamListeners = new Set<() => void>();

  constructor(
    /** The guard screen's video of the capture (the camera screen paints its preview from it). */
    readonly video: HTMLVideoElement,
    private config: CameraConfig,
    private readonly callbacks: CameraCallbacks,
    private readonly workerUrl: URL,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.config.enabled) {
      this.callbacks.onHealth('absent', null);
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          ...(this.config.deviceId ? { deviceId: { exact: this.config.deviceId } } : {}),
          width: { ideal: this.config.width },
          height: { ideal: this.config.height },
          frameRate: { ideal: this.config.frameRate },
        },
      });
    } catch (err) {
      this.callbacks.onHealth('offline', err instanceof DOMException ? err.name : 'getUserMedia failed');
      this.scheduleRetry();
      return;
    }
    for (const track of this.stream.getVideoTracks()) {
      track.addEventListener('ended', () => {
        this.callbacks.onHealth('offline', 'track ended');
        this.teardownStream();
        this.scheduleRetry();
      });
    }
    this.video.srcObject = this.stream;
    this.video.muted = true;
    await this.video.play().catch(() => {});
    this.startWorker();
    this.callbacks.onHealth('ok', null);
    this.notifyStream();
    this.grabNext();
  }

  /** The configuration the capture runs on. */
  get currentConfig(): CameraConfig {
    return this.config;
  }

  /** The capture stream, for the camera screen's preview (the same stream: no second capture). */
  get currentStream(): MediaStream | null {
    return this.stream;
  }

  /** Told when the stream starts or stops (a restart, a camera unplugged): the preview re-attaches. */
  onStream(listener: () => void): () => void {
    this.streamListeners.add(listener);
    return () => this.streamListeners.delete(listener);
  }

  /**
   * Restarts the capture on a new configuration (a saved camera setting, the config event): the
   * device, resolution, frame rate or engine change without restarting the kiosk.
   */
  async reconfigure(config: CameraConfig): Promise<void> {
    this.stop();
    this.config = config;
    this.lastText = '';
    this.lastTextAt = 0;
    await this.start();
  }

  /** Lets the text in view be sent again (its last submission failed, e.g. the core was restarting). */
  forgetLastText(): void {
    this.lastText = '';
    this.lastTextAt = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.teardownStream();
    this.worker?.terminate();
    this.worker = null;
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void this.start(), RETRY_MS);
  }

  private teardownStream(): void {
    const had = this.stream !== null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
    if (had) this.notifyStream();
  }

  private notifyStream(): void {
    for (const l of [...this.streamListeners]) {
      try {
        l();
      } catch {
        // A screen's listener must not stop the capture.
      }
    }
  }

  private startWorker(): void {
    if (this.worker) return;
    const worker = new Worker(this.workerUrl, { type: 'module' });
    worker.onmessage = (e: MessageEvent<WorkerResponse>) => this.onWorkerMessage(e.data);
    worker.onerror = () => this.callbacks.onHealth('degraded', 'decode worker failed');
    const configure: WorkerRequest = { type: 'configure', engine: this.config.engine };
    worker.postMessage(configure);
    this.worker = worker;
    this.buffer = new ArrayBuffer(0);
  }

  private onWorkerMessage(msg: WorkerResponse): void {
    if (msg.type === 'error') {
      this.callbacks.onHealth('degraded', `${msg.reason}: ${msg.message}`.slice(0, 200));
      return;
    }
    if (msg.type !== 'result') return;
    this.buffer = msg.buffer;
    this.stats.lastDecodeMs = msg.ms;
    this.stats.decodeMsTotal += msg.ms;
    this.stats.recentDecodeMs[this.stats.answered % RECENT_DECODES] = msg.ms;
    this.stats.answered += 1;
    if (msg.text !== null) {
      this.stats.decoded += 1;
      const now = Date.now();
      if (msg.text !== this.lastText || now - this.lastTextAt > REPEAT_SUPPRESS_MS) {
        this.callbacks.onText(msg.text, msg.frameAt);
      }
      this.lastText = msg.text;
      this.lastTextAt = now;
    }
    this.grabNext();
  }

  /** Waits for the next new video frame, then grabs it; one frame in flight at most (backpressure). */
  private grabNext(): void {
    if (this.stopped || !this.stream) return;
    const video = this.video;
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback(() => void this.grab());
    } else {
      setTimeout(() => void this.grab(), 1000 / this.config.frameRate);
    }
  }

  private async grab(): Promise<void> {
    if (this.stopped || !this.worker || this.buffer === null) return;
    const frameAt = performance.timeOrigin + performance.now();
    const request = (await this.grabLuma(frameAt)) ?? this.grabRgba(frameAt);
    if (!request) {
      this.grabNext();
      return;
    }
    this.buffer = null;
    this.stats.frames += 1;
    this.stats.frameWidth = request.width;
    this.stats.frameHeight = request.height;
    this.worker.postMessage(request, [request.buffer]);
  }

  /**
   * The fast path: a VideoFrame's Y plane is the luminance the decoder needs, copied into the reused
   * buffer without an RGBA round trip. Only for YUV formats; anything else takes the canvas path.
   */
  private async grabLuma(frameAt: number): Promise<FrameRequest | null> {
    if (typeof VideoFrame === 'undefined') return null;
    let frame: VideoFrame;
    try {
      frame = new VideoFrame(this.video, { timestamp: 0 });
    } catch {
      return null;
    }
    try {
      if (!frame.format || !['I420', 'I420A', 'NV12', 'I422', 'I444'].includes(frame.format)) return null;
      const rect = frame.visibleRect ?? { x: 0, y: 0, width: frame.codedWidth, height: frame.codedHeight };
      // A track scaled down from the camera's mode (resizeMode crop-and-scale: asked 320×240 of a
      // camera giving 640×480) still hands over the unscaled frame here: the canvas path draws it at
      // the size asked for, so the decoder does the work of the resolution the integrator chose
      // (docs/integrator-setup.md, "Camera").
      if (frame.displayWidth < rect.width || frame.displayHeight < rect.height) return null;
      const options = { rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height } };
      const size = frame.allocationSize(options);
      let buffer = this.buffer!;
      if (buffer.byteLength < size) buffer = new ArrayBuffer(size);
      // Default layout is tightly packed, plane 0 (Y) first: the first width×height bytes are luma.
      await frame.copyTo(new Uint8Array(buffer, 0, size), options);
      return { type: 'frame', seq: ++this.seq, width: rect.width, height: rect.height, format: 'luma', buffer, frameAt };
    } catch {
      return null;
    } finally {
      frame.close();
    }
  }

  /** Fallback: draw into a reused canvas and read RGBA (allocates one ImageData per frame). */
  private grabRgba(frameAt: number): FrameRequest | null {
    const width = this.video.videoWidth;
    const height = this.video.videoHeight;
    if (!width || !height) return null;
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) this.canvas = new OffscreenCanvas(width, height);
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    ctx.drawImage(this.video, 0, 0, width, height);
    const data = ctx.getImageData(0, 0, width, height).data;
    return { type: 'frame', seq: ++this.seq, width, height, format: 'rgba', buffer: data.buffer as ArrayBuffer, frameAt };
  }
}
