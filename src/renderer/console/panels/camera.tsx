// The integrator's camera screen (docs/integrator-setup.md, "Camera"): which camera, what
// resolution and frame rate, and a live preview of the capture the door decodes, with the area the
// decoder tries first drawn over it, frames per second and the decoder's ms per frame (median of the
// last frames). The preview is painted from the guard screen's own video and counters
// (camera-handle.ts): no second capture of the camera and no second <video>, so what the integrator
// sees is what the door decodes. It is painted PREVIEW_FPS times a second into a canvas, enough to
// aim by, rather than composited at the camera's full rate (the cost measured by the camera-screen
// benchmark); turning the preview off leaves no canvas and no timer behind. Save writes camera.deviceId / width /
// height / frameRate through saveConfigChange; core applies them and the guard screen restarts its
// capture on the `config` event (main.ts), without a kiosk restart.
import { useEffect, useRef, useState } from 'preact/hooks';
import { cameraChanged, decodeArea, frameRateChoices, framesPerSecond, guardCamera, median, resolutionChoices, type GuardCamera } from '../../camera-handle.js';
import type { CameraConfig } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps } from '../panel.js';

/** How often the live figures are read while the preview is on (reading counters only). */
const TICK_MS = 500;
/** How often the preview is painted from the guard's video. */
const PREVIEW_FPS = 10;

interface Live {
  fps: number;
  decodeMs: number;
  frames: number;
  decoded: number;
  frameWidth: number;
  frameHeight: number;
}

interface Running {
  config: CameraConfig;
  settings: MediaTrackSettings | null;
  capabilities: MediaTrackCapabilities | null;
  label: string;
}

function runningOf(camera: GuardCamera): Running {
  const track = camera.currentStream?.getVideoTracks()[0] ?? null;
  return {
    config: camera.currentConfig,
    settings: track ? track.getSettings() : null,
    capabilities: track && typeof track.getCapabilities === 'function' ? track.getCapabilities() : null,
    label: track?.label ?? '',
  };
}

const fileCamera = (config: Record<string, unknown>): Record<string, unknown> =>
  typeof config.camera === 'object' && config.camera !== null ? (config.camera as Record<string, unknown>) : {};

function CameraPanel({ call, t, client }: PanelProps) {
  const camera = guardCamera();
  const [devices, setDevices] = useState<MediaDeviceInfo[] | null>(null);
  const [running, setRunning] = useState<Running | null>(camera ? runningOf(camera) : null);
  const [preview, setPreview] = useState(true);
  const [live, setLive] = useState<Live | null>(null);
  const [loaded, setLoaded] = useState<{ revision: number; camera: Record<string, unknown> } | null>(null);
  const [deviceId, setDeviceId] = useState<string>('');
  const [resolution, setResolution] = useState<string>('');
  const [frameRate, setFrameRate] = useState<string>('');
  const [notice, setNotice] = useState<{ tone: 'ok' | 'bad'; text: string; restart?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);

  const listDevices = async () => {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      setDevices(all.filter((d) => d.kind === 'videoinput'));
    } catch {
      setDevices([]);
    }
  };

  const load = async () => {
    const r = await call('getConfig', {});
    if (!r.ok) {
      setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}` });
      return;
    }
    const saved = fileCamera(r.value.config);
    setLoaded({ revision: r.value.revision, camera: saved });
    // The form starts on what is in force (the running capture's configuration), else the file's.
    const base = camera?.currentConfig;
    setDeviceId(String(base?.deviceId ?? saved.deviceId ?? ''));
    setResolution(`${base?.width ?? saved.width ?? 640}x${base?.height ?? saved.height ?? 480}`);
    setFrameRate(String(base?.frameRate ?? saved.frameRate ?? 30));
  };

  useEffect(() => {
    void listDevices();
    void load();
    if (!camera) return;
    // A restart (a save, a camera unplugged) gives a new stream: the figures and the preview follow.
    const off = camera.onStream(() => {
      setRunning(runningOf(camera));
      void listDevices();
    });
    // A configuration saved elsewhere (the settings screen, config.json) changes the form's base.
    const offEvent = client.onEvent((e) => {
      if (e.type === 'config') void load();
    });
    return () => {
      off();
      offEvent();
    };
  }, []);

  // The preview: the guard's stream in a second <video> (a view, not a capture) and a reading of the
  // counters every TICK_MS. Off: no element, no timer.
  useEffect(() => {
    if (!camera || !preview) {
      setLive(null);
      return;
    }
    let before = { frames: camera.stats.frames, at: performance.now() };
    const tick = () => {
      const now = performance.now();
      const s = camera.stats;
      const n = Math.min(s.answered, s.recentDecodeMs.length);
      setLive({
        fps: framesPerSecond(before, s, now - before.at),
        decodeMs: median(s.recentDecodeMs.slice(0, n)),
        frames: s.frames,
        decoded: s.decoded,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
      });
      before = { frames: s.frames, at: now };
    };
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [preview, running]);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !camera || !preview) return;
    const ctx = c.getContext('2d', { alpha: false });
    if (!ctx) return;
    let painted = 0;
    const paint = () => {
      const v = camera.video;
      if (v.readyState < 2 || !v.videoWidth) return;
      if (c.width !== v.videoWidth || c.height !== v.videoHeight) {
        c.width = v.videoWidth;
        c.height = v.videoHeight;
      }
      ctx.drawImage(v, 0, 0, c.width, c.height);
      c.dataset.painted = String(++painted);
    };
    paint();
    const timer = setInterval(paint, 1000 / PREVIEW_FPS);
    return () => clearInterval(timer);
  }, [preview, running]);

  const save = async () => {
    if (!loaded) return;
    const [w, h] = resolution.split('x').map(Number) as [number, number];
    const wanted: Record<string, unknown> = { deviceId: deviceId === '' ? null : deviceId, width: w, height: h, frameRate: Number(frameRate) };
    const changes = Object.entries(wanted)
      .filter(([k, v]) => (loaded.camera[k] ?? null) !== v)
      .map(([k, v]) => ({ path: `camera.${k}`, value: v }));
    if (changes.length === 0) {
      setNotice({ tone: 'ok', text: t('camera.nothingChanged') });
      return;
    }
    setBusy(true);
    try {
      const r = await call('saveConfigChange', { baseRevision: loaded.revision, changes });
      if (!r.ok) {
        setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}` });
        return;
      }
      const restart = r.value.restartNeeded.some((p) => p.startsWith('camera'));
      setNotice({ tone: 'ok', text: t(restart ? 'camera.savedRestart' : 'camera.saved', { revision: r.value.revision }), restart });
      await load();
    } finally {
      setBusy(false);
    }
  };

  const choices = resolutionChoices(running?.capabilities ?? null, running?.config ?? { width: 640, height: 480 });
  // Only what the camera gives; the saved rate above it is listed (the form holds it) but not offered.
  const rates = frameRateChoices(running?.capabilities ?? null, Number(frameRate) || 30);
  const area = decodeArea();
  const aspect =
    live && live.frameWidth > 0
      ? { width: live.frameWidth, height: live.frameHeight }
      : running?.settings?.width && running.settings.height
        ? { width: running.settings.width, height: running.settings.height }
        : { width: 4, height: 3 };
  const settings = running?.settings;
  // Whether the guard's capture is on what the form shows as saved (a command-line flag can override
  // the file; the camera may also give another size than asked).
  const formConfig = running
    ? { ...running.config, deviceId: deviceId === '' ? null : deviceId, width: Number(resolution.split('x')[0]), height: Number(resolution.split('x')[1]), frameRate: Number(frameRate) }
    : null;
  const pending = running && formConfig ? cameraChanged(running.config, formConfig) : false;
  // The guard screen runs with the camera off (`kiosk start --no-camera`, or camera.enabled false):
  // nothing to preview or measure, and the choices below wait until it is turned on.
  const cameraOff = camera !== null && !camera.currentConfig.enabled;

  return (
    <section id="panel-camera" class="panel">
      <h2>{t('panel.camera')}</h2>
      {!camera && (
        <p id="camera-none-running" class="camera-warning" role="alert">
          {t('camera.notRunning')}
        </p>
      )}
      {cameraOff && (
        <p id="camera-off" class="camera-warning" role="status">
          {t('camera.off')}
        </p>
      )}
      {!cameraOff && (
      <div class="camera-layout">
        <div class="camera-preview-box">
          <div class="camera-toggle">
            <button id="camera-preview-toggle" type="button" aria-pressed={preview} disabled={!camera} onClick={() => setPreview(!preview)}>
              {preview ? t('camera.previewOff') : t('camera.previewOn')}
            </button>
            <span data-testid="camera-preview-state">{preview ? t('camera.previewIsOn') : t('camera.previewIsOff')}</span>
          </div>
          {preview && camera && (
            // Sized to the picture's own aspect, so the decode area (fractions of the picture) sits
            // where the decoder looks, with no letterbox between them.
            <figure
              id="camera-preview"
              class="camera-preview"
              data-streaming={String(running?.settings != null)}
              style={{ aspectRatio: `${aspect.width} / ${aspect.height}`, width: `min(100%, calc(42vh * ${aspect.width} / ${aspect.height}))` }}
            >
              <canvas ref={canvas} data-painted="0" />
              <div
                id="camera-decode-area"
                class="camera-decode-area"
                data-testid="camera-decode-area"
                style={{ left: `${area.left * 100}%`, top: `${area.top * 100}%`, width: `${area.width * 100}%`, height: `${area.height * 100}%` }}
              >
                <span>{t('camera.decodeAreaLabel')}</span>
              </div>
            </figure>
          )}
          {preview && camera && <p class="camera-note">{t('camera.decodeAreaNote', { percent: Math.round(area.width * 100) })}</p>}
          {!preview && <p class="camera-note">{t('camera.previewOffNote')}</p>}
        </div>
        <dl id="camera-figures" class="figures camera-figures">
          <dt>{t('camera.fps')}</dt>
          <dd data-testid="camera-fps" data-value={live ? live.fps.toFixed(1) : ''}>
            {live ? live.fps.toFixed(1) : '—'}
          </dd>
          <dt>{t('camera.decodeMs')}</dt>
          <dd data-testid="camera-decode-ms" data-value={live && Number.isFinite(live.decodeMs) ? live.decodeMs.toFixed(2) : ''}>
            {live && Number.isFinite(live.decodeMs) ? t('camera.ms', { ms: live.decodeMs.toFixed(2) }) : '—'}
          </dd>
          <dt>{t('camera.frameSize')}</dt>
          <dd data-testid="camera-frame-size">{live && live.frameWidth > 0 ? `${live.frameWidth}×${live.frameHeight}` : settings?.width ? `${settings.width}×${settings.height}` : '—'}</dd>
          <dt>{t('camera.framesDecoded')}</dt>
          <dd data-testid="camera-frames">{live ? t('camera.framesValue', { frames: live.frames, decoded: live.decoded }) : '—'}</dd>
          <dt>{t('camera.runningOn')}</dt>
          <dd data-testid="camera-running">
            {running?.settings
              ? t('camera.runningValue', {
                  label: running.label || t('camera.defaultCamera'),
                  width: running.settings.width ?? '?',
                  height: running.settings.height ?? '?',
                  fps: running.settings.frameRate !== undefined ? Math.round(running.settings.frameRate) : '?',
                })
              : t('camera.notCapturing')}
          </dd>
          {running?.settings?.width !== undefined && (running.settings.width !== running.config.width || running.settings.height !== running.config.height) && (
            <dd class="camera-warning" data-testid="camera-size-differs">
              {t('camera.sizeDiffers', { width: running.config.width, height: running.config.height })}
            </dd>
          )}
        </dl>
      </div>
      )}

      <h3>{t('camera.choose')}</h3>
      <div class="camera-form">
        <label for="camera-device">{t('camera.device')}</label>
        {devices !== null && devices.length === 0 ? (
          <p id="camera-no-device" class="camera-warning" role="alert">
            {t('camera.noCamera')}
          </p>
        ) : (
          <select id="camera-device" value={deviceId} onChange={(e) => setDeviceId((e.target as HTMLSelectElement).value)}>
            <option value="">{t('camera.defaultCamera')}</option>
            {(devices ?? []).map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || t('camera.unnamed', { n: i + 1 })}
              </option>
            ))}
            {deviceId !== '' && !(devices ?? []).some((d) => d.deviceId === deviceId) && <option value={deviceId}>{t('camera.missingDevice')}</option>}
          </select>
        )}
        <label for="camera-resolution">{t('camera.resolution')}</label>
        <select id="camera-resolution" value={resolution} onChange={(e) => setResolution((e.target as HTMLSelectElement).value)}>
          {choices.map((r) => (
            <option key={`${r.width}x${r.height}`} value={`${r.width}x${r.height}`}>
              {`${r.width}×${r.height}`}
            </option>
          ))}
        </select>
        <label for="camera-frame-rate">{t('camera.frameRate')}</label>
        <select id="camera-frame-rate" value={frameRate} onChange={(e) => setFrameRate((e.target as HTMLSelectElement).value)}>
          {rates.map((r) => (
            <option key={r.fps} value={String(r.fps)} disabled={!r.available} data-available={String(r.available)}>
              {t(r.available ? 'camera.fpsValue' : 'camera.fpsNotAvailable', { fps: r.fps })}
            </option>
          ))}
        </select>
      </div>
      {running?.capabilities?.width?.max !== undefined && (
        <p class="camera-note" data-testid="camera-capabilities">
          {t('camera.capabilities', {
            width: running.capabilities.width.max,
            height: running.capabilities.height?.max ?? '?',
            fps: running.capabilities.frameRate?.max !== undefined ? Math.round(running.capabilities.frameRate.max) : '?',
          })}
        </p>
      )}
      <div class="camera-actions">
        <button id="camera-save" type="button" disabled={busy || !loaded} onClick={() => void save()}>
          {t('camera.save')}
        </button>
        <span data-testid="camera-in-force" data-pending={String(pending)} data-off={String(cameraOff)}>
          {cameraOff ? t('camera.offChoices') : pending ? t('camera.pending') : t('camera.inForce')}
        </span>
      </div>
      {notice && (
        <p id="camera-notice" data-tone={notice.tone} data-restart={String(notice.restart ?? false)} role="status">
          {notice.text}
        </p>
      )}
    </section>
  );
}

export const cameraPanel: ConsolePanel = {
  id: 'camera',
  title: (t) => t('panel.camera'),
  Component: CameraPanel,
  roles: ['integrator'],
};
