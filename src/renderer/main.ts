// The guard screen's entry point: connects to core (preload verbs or WebSocket), follows the
// passage and status events, draws them, plays the sounds and runs the camera. Everything shown
// arrives already masked from core; this file only places it on screen.
import {
  DEFAULT_CAMERA_CONFIG,
  DEFAULT_LANGUAGE,
  IDLE_PASSAGE,
  type KioskEvent,
  type KioskStatus,
  type Language,
  type PassageView,
  type RendererConfig,
} from '../contract/api.js';
import { call, type ConnectedClient } from './client.js';
import { createClient } from './connect.js';
import { createI18n, type Translate } from './i18n.js';
import { LIVENESS_CHECK_MS, PLACE_SEPARATOR, cardOnlyInvited, collectLeftMs, describePassage, presentableInputs, secondsLeft, statusBarName, statusItems } from './view-model.js';
import { CoreLiveness } from './liveness.js';
import { SoundPlayer } from './sounds.js';
import { CameraScanner } from './camera.js';
import { cameraChanged, guardCamera, publishGuardCamera } from './camera-handle.js';
import { pinFailureText } from './pin-text.js';

/**
 * The venue's and the lane's names in the status bar: the venue's is cut first (with an ellipsis) so
 * the lane's stays readable beside the clock; the whole of both is the title.
 */
function showPlaceName(config: { kioskName: string; venueName?: string | undefined }): void {
  const box = el('kiosk-name');
  const lane = document.createElement('span');
  lane.className = 'lane-name';
  lane.textContent = config.venueName ? `${PLACE_SEPARATOR}${config.kioskName}` : config.kioskName;
  if (config.venueName) {
    const venue = document.createElement('span');
    venue.className = 'venue-name';
    venue.textContent = config.venueName;
    box.replaceChildren(venue, lane);
  } else {
    box.replaceChildren(lane);
  }
  box.title = statusBarName(config);
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

interface ScreenState {
  status: KioskStatus | null;
  passage: PassageView;
  /** Renderer clock when `passage` arrived: countdowns run on this clock. */
  passageReceivedAt: number;
  connected: boolean;
  language: Language;
  /** The passage+tone a sound was last played for, so one result sounds once. */
  soundedFor: string;
  errorUntil: number;
  /** What the screen last drew for the core's liveness, to redraw only when it changes. */
  coreAlive: boolean;
  detailUntil: number;
}

async function boot(): Promise<void> {
  const client: ConnectedClient = createClient();
  const i18nHandle = await createI18n(DEFAULT_LANGUAGE);
  const t: Translate = i18nHandle.t;
  const sounds = new SoundPlayer(true);
  const state: ScreenState = {
    status: null,
    passage: IDLE_PASSAGE,
    passageReceivedAt: Date.now(),
    connected: false,
    language: DEFAULT_LANGUAGE,
    soundedFor: '',
    errorUntil: 0,
    coreAlive: false,
    detailUntil: 0,
  };
  const liveness = new CoreLiveness();
  document.body.dataset.transport = client.transport;

  const guard = el('guard');
  /** The open admin console (its chunk loads on demand), told when the language changes. */
  let adminConsole: import('./console/console.js').ConsoleHandle | null = null;

  function showError(text: string): void {
    el('error-line').textContent = text;
    state.errorUntil = Date.now() + 4000;
  }

  function renderStatic(): void {
    document.documentElement.lang = state.language;
    el('language-toggle').textContent = t('language.toggle');
    el('admin-open').textContent = t('admin.button');
    el('review-allow').textContent = t('review.allow');
    el('review-deny').textContent = t('review.deny');
    el('review-prompt').textContent = t('review.prompt');
    el<HTMLInputElement>('review-pin').placeholder = t('review.pin');
    el('aim-label').textContent = t('preview.aim');
  }

  function renderPassage(): void {
    const p = state.passage;
    const now = Date.now();
    const d = describePassage(p, t, {
      coreAlive: state.coreAlive,
      cardOnlyAllowed: cardOnlyInvited(state.status),
      inputs: presentableInputs(state.status),
      dccAccepted: state.status?.dscList !== undefined,
      collectLeftMs: collectLeftMs(p, state.passageReceivedAt, now),
    });
    guard.dataset.tone = d.tone;
    guard.dataset.state = p.state;
    guard.dataset.reason = p.reason ?? '';
    guard.dataset.decision = p.decision ?? '';
    guard.dataset.passageId = p.passageId ?? '';
    guard.dataset.entryId = p.entryId === null ? '' : String(p.entryId);
    guard.dataset.guardVerdict = p.guardVerdict ?? '';
    el('headline').textContent = d.headline;
    el('subline').textContent = d.subline;
    el('person-name').textContent = d.name;
    el('person-province').textContent = d.province;
    el('person-temperature').textContent = d.temperature;
    el('reason').textContent = d.reason;
    const listOf = (id: string, lines: string[]) =>
      el(id).replaceChildren(...lines.map((h) => Object.assign(document.createElement('li'), { textContent: h })));
    listOf('other-reasons', d.otherReasons);
    listOf('hints', d.hints);
    el('wait-guard').textContent = d.waitForGuard;
    el('trust-stale').textContent = d.trustListStale;
    el('review-panel').hidden = !d.showReview;
    el('preview').dataset.visible = String(d.showPreview);
    const soundKey = `${p.passageId}:${d.tone}`;
    if ((d.tone === 'pass' || d.tone === 'stop' || d.tone === 'check') && soundKey !== state.soundedFor) {
      state.soundedFor = soundKey;
      sounds.play(d.tone);
      document.body.dataset.soundsPlayed = String(sounds.played);
    }
    renderCountdown();
  }

  function renderCountdown(): void {
    const now = Date.now();
    const p = state.passage;
    let text = '';
    if (state.coreAlive && p.state === 'collecting') {
      const left = collectLeftMs(p, state.passageReceivedAt, now);
      if (left !== null) text = t('collectLeft', { seconds: Math.ceil(left / 1000) });
    } else if (state.coreAlive && p.state !== 'idle') {
      const s = secondsLeft(p, state.passageReceivedAt, now);
      if (s !== null) text = t('countdown', { seconds: s });
    }
    el('countdown').textContent = text;
    if (state.errorUntil && now > state.errorUntil) {
      el('error-line').textContent = '';
      state.errorUntil = 0;
    }
    if (state.detailUntil && now > state.detailUntil) {
      el('device-detail').hidden = true;
      state.detailUntil = 0;
    }
  }

  /** Redraws everything when the core is lost or back (socket closed, or heartbeat silent). */
  function checkLiveness(): void {
    const alive = liveness.alive(Date.now());
    if (alive === state.coreAlive) return;
    state.coreAlive = alive;
    document.body.dataset.coreAlive = String(alive);
    renderPassage();
    renderStatus();
  }

  function renderStatus(): void {
    const status = state.status;
    const list = el('status-items');
    if (!status) {
      list.replaceChildren(
        ...(state.coreAlive ? [] : [Object.assign(document.createElement('li'), { textContent: t('status.disconnected') })]),
      );
      list.firstElementChild?.setAttribute('data-level', 'bad');
      list.firstElementChild?.setAttribute('data-id', 'core');
      document.body.dataset.connected = String(state.connected);
      return;
    }
    const items = statusItems(status, Date.now(), t, state.coreAlive);
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement('li');
        li.dataset.id = item.id;
        li.dataset.level = item.level;
        li.textContent = item.text;
        if (item.detail) {
          // A tap on a faulty chip says why (reason in words + the driver's detail, no personal data).
          li.dataset.detail = item.detail;
          li.tabIndex = 0;
          li.addEventListener('click', () => showDeviceDetail(`${item.text}: ${item.detail}`));
        }
        return li;
      }),
    );
    const demo = el('demo-badge');
    demo.hidden = !status.demo;
    demo.textContent = t('status.demo');
    document.body.dataset.connected = String(state.connected);
    document.body.dataset.clockWarning = String(status.clock.warning);
  }

  function showDeviceDetail(text: string): void {
    const box = el('device-detail');
    box.textContent = text;
    box.hidden = false;
    state.detailUntil = Date.now() + 8000;
  }

  function renderClock(): void {
    const now = new Date();
    el('clock').textContent = now.toLocaleTimeString(state.language, { hour12: false });
  }

  async function setLanguage(language: Language): Promise<void> {
    state.language = language;
    await i18nHandle.i18n.changeLanguage(language);
    renderStatic();
    renderPassage();
    renderStatus();
    renderClock();
    adminConsole?.setLanguage(language);
  }

  /**
   * Scan-to-decision latency, for the benchmark and the integrator: from the grab of the frame whose
   * text started a passage to the moment its decision is on screen (same clock, the renderer's).
   */
  const frameAtByPassage = new Map<string, number>();
  /** When a passage's decision was drawn, for an answer to submitScan that arrives after its event. */
  const shownAtByPassage = new Map<string, number>();
  const latencies: number[] = [];
  (globalThis as Record<string, unknown>).__kioskLatencies = latencies;
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.set(key, value);
    if (map.size > 32) map.delete(map.keys().next().value!);
  };
  const recordLatency = (frameAt: number, shownAt: number) => {
    const ms = shownAt - frameAt;
    latencies.push(ms);
    document.body.dataset.lastScanToDecisionMs = ms.toFixed(1);
  };
  const wallNow = () => performance.timeOrigin + performance.now();

  function setPassage(passage: PassageView): void {
    const firstShown =
      passage.state === 'shown' && passage.passageId !== null && !(state.passage.state === 'shown' && state.passage.passageId === passage.passageId);
    if (firstShown && passage.passageId) {
      const frameAt = frameAtByPassage.get(passage.passageId);
      if (frameAt !== undefined) {
        frameAtByPassage.delete(passage.passageId);
        recordLatency(frameAt, wallNow());
      } else {
        remember(shownAtByPassage, passage.passageId, wallNow());
      }
    }
    state.passage = passage;
    state.passageReceivedAt = Date.now();
    renderPassage();
  }

  function onEvent(event: KioskEvent): void {
    liveness.heard(Date.now());
    checkLiveness();
    switch (event.type) {
      case 'heartbeat':
        return;
      case 'passage':
        setPassage(event.passage);
        return;
      case 'language':
        void setLanguage(event.language);
        return;
    }
    if (!state.status) return;
    switch (event.type) {
      case 'devices':
        state.status = { ...state.status, devices: event.devices };
        // The idle invitation names the inputs fitted (a camera reported off changes it).
        renderPassage();
        break;
      case 'connectivity':
        state.status = { ...state.status, connectivity: event.connectivity };
        break;
      case 'lists': {
        // A list installed since start ends its refusal (core drops the problem the same way).
        const { listProblems: was, dscList: wasDsc, ...rest } = state.status;
        const listProblems = (was ?? []).filter((p) => (p.list === 'trust' ? event.trustList : event.statusList).state === 'missing');
        // The DSC list's chip comes and goes with policy.dccAccept: absent from the event, absent here.
        state.status = { ...rest, trustList: event.trustList, statusList: event.statusList, ...(event.dscList ? { dscList: event.dscList } : {}), ...(listProblems.length > 0 ? { listProblems } : {}) };
        // The idle invitation names EU certificates only while the venue takes them.
        if ((wasDsc === undefined) !== (event.dscList === undefined)) renderPassage();
        break;
      }
      case 'clock':
        state.status = { ...state.status, clock: event.clock };
        break;
      case 'storage':
        state.status = { ...state.status, storage: event.storage };
        break;
      case 'config': {
        // A saved or reloaded configuration: the chip follows, and the lane's name may have changed.
        const { configProblem: _was, ...rest } = state.status;
        state.status = event.configProblem ? { ...rest, configProblem: event.configProblem } : rest;
        void call(client, 'getRendererConfig', {}).then((r) => {
          if (r.ok) showPlaceName(r.value);
          // A saved camera setting (device, resolution, frame rate, engine) restarts the capture
          // here, without a kiosk restart (docs/integrator-setup.md, "Camera").
          const running = guardCamera();
          if (r.ok && running instanceof CameraScanner && cameraChanged(running.currentConfig, r.value.camera)) void running.reconfigure(r.value.camera);
        });
        break;
      }
    }
    renderStatus();
  }

  async function refresh(): Promise<void> {
    const result = await call(client, 'getStatus', {});
    if (result.ok) liveness.heard(Date.now());
    if (!result.ok) {
      showError(t(`reason.${result.reason}`));
      return;
    }
    state.status = result.value;
    if (result.value.language !== state.language) await setLanguage(result.value.language);
    setPassage(result.value.passage);
    renderStatus();
    document.body.dataset.ready = 'true';
  }

  client.onEvent(onEvent);
  client.onConnection((connected) => {
    state.connected = connected;
    liveness.connection(connected, Date.now());
    checkLiveness();
    renderStatus();
    if (connected) void refresh();
  });

  el('language-toggle').addEventListener('click', () => {
    void call(client, 'setLanguage', { language: state.language === 'zh-CN' ? 'en' : 'zh-CN' });
  });
  const reviewPin = el<HTMLInputElement>('review-pin');
  const review = async (verdict: 'allow' | 'deny') => {
    const passageId = state.passage.passageId;
    if (!passageId) return;
    // With guards configured, a verdict carries the deciding guard's own PIN (the entry records who).
    const guardPin = reviewPin.hidden ? undefined : reviewPin.value;
    if (guardPin !== undefined && !/^\d{4,12}$/.test(guardPin)) {
      showError(t('review.pinNeeded'));
      reviewPin.focus();
      return;
    }
    const result = await call(client, 'guardReview', { passageId, verdict, ...(guardPin === undefined ? {} : { guardPin }) });
    reviewPin.value = '';
    if (result.ok) setPassage(result.value);
    // A refused guard PIN says whether the PINs are locked and for how long; other refusals as before.
    else showError(result.retryInMs !== undefined ? pinFailureText(result, t) : t(`reason.${result.reason}`));
  };
  el('review-allow').addEventListener('click', () => void review('allow'));
  el('review-deny').addEventListener('click', () => void review('deny'));

  // The admin console: its own chunk, fetched only when the admin button is pressed (the guard
  // screen's first paint does not wait for Preact or the charts). It lies over the guard area, which
  // stays mounted underneath: the camera keeps decoding and the door keeps working
  // (docs/admin-console.md, "The door under the console").
  const adminArea = el('admin');
  let guardPinRequired = false;
  let noticeTimer: ReturnType<typeof setTimeout> | null = null;
  const showAdminNotice = (text: string) => {
    const notice = el('admin-notice');
    notice.textContent = text;
    notice.hidden = text === '';
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = text === '' ? null : setTimeout(() => (notice.hidden = true), 10_000);
  };
  const openConsole = async () => {
    if (adminConsole || !adminArea.hidden) return;
    showAdminNotice('');
    adminArea.hidden = false;
    document.body.dataset.console = 'loading';
    adminArea.textContent = t('console.loading');
    try {
      const { mountConsole } = await import('./console/console.js');
      adminArea.textContent = '';
      adminConsole = mountConsole(adminArea, {
        client,
        language: state.language,
        t,
        passage: state.passage,
        guardPinRequired,
        onExit(_why, notice) {
          adminConsole?.unmount();
          adminConsole = null;
          adminArea.hidden = true;
          delete document.body.dataset.console;
          showAdminNotice(notice);
        },
      });
      document.body.dataset.console = 'open';
    } catch (err) {
      adminArea.hidden = true;
      delete document.body.dataset.console;
      showAdminNotice(t('console.loadFailed', { message: err instanceof Error ? err.message : String(err) }));
    }
  };
  el('admin-open').addEventListener('click', () => void openConsole());
  if (location.pathname === '/admin') void openConsole();

  renderStatic();
  document.body.dataset.coreAlive = String(state.coreAlive);
  renderPassage();
  renderStatus();
  renderClock();
  setInterval(() => {
    checkLiveness();
    renderCountdown();
    renderClock();
  }, LIVENESS_CHECK_MS);

  // Camera: configured by core (device, resolution, engine); decoded text goes to core untouched.
  const configResult = await waitForConfig(client);
  sounds.setEnabled(configResult.sounds);
  showPlaceName(configResult);
  reviewPin.hidden = !configResult.guardPinRequired;
  guardPinRequired = configResult.guardPinRequired ?? false;
  const camera = new CameraScanner(
    el<HTMLVideoElement>('camera'),
    configResult.camera,
    {
      onText(text, frameAt) {
        void call(client, 'submitScan', { text, source: 'camera', frameAt }).then((r) => {
          if (!r.ok) {
            showError(t(`reason.${r.reason}`));
            // Not delivered (connection lost): send again while the code is still in view. A refusal
            // by a connected core is an answer, and is not resent.
            if (!state.connected) camera.forgetLastText();
            return;
          }
          if (r.value.duplicate) return;
          // The decision may already be on screen (its event can beat this answer).
          const shownAt = shownAtByPassage.get(r.value.passageId);
          if (shownAt !== undefined) {
            shownAtByPassage.delete(r.value.passageId);
            recordLatency(frameAt, shownAt);
          } else {
            remember(frameAtByPassage, r.value.passageId, frameAt);
          }
        });
      },
      onHealth(cameraState, detail) {
        void call(client, 'reportCamera', { state: cameraState, detail });
      },
    },
    new URL('./decode-worker.js', import.meta.url),
  );
  (globalThis as Record<string, unknown>).__kioskCamera = camera.stats;
  publishGuardCamera(camera);
  await camera.start();
}

/** The renderer config, retried until the core answers (it may still be starting). */
async function waitForConfig(client: ConnectedClient): Promise<RendererConfig> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const result = await call(client, 'getRendererConfig', {});
    if (result.ok) return result.value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { camera: { ...DEFAULT_CAMERA_CONFIG, enabled: false }, language: DEFAULT_LANGUAGE, sounds: true, kioskName: '' };
}

boot().catch((err: unknown) => {
  const line = document.getElementById('error-line');
  if (line) line.textContent = `startup failed: ${err instanceof Error ? err.message : String(err)}`;
});
