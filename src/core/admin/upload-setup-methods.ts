// The integrator's uploads screen (docs/integrator-setup.md "Uploads"; docs/upload-protocol.md §1):
// what the platform operator needs to register this kiosk (the device key's fingerprint, the exact
// `kiosk collector register` command and its QR), the configured kioskId beside the key's id with a
// warning when they differ, and the connection test (connection-test.ts). The URL itself is saved
// through saveConfigChange like every plain setting; the uploader takes it at the next start.
import QRCode from 'qrcode';
import { fail, ok, type KioskService, type QrMatrix } from '../../contract/api.js';
import { DeviceKeyError, loadOrCreateDeviceKey, type DeviceIdentity } from '../identity/device-key.js';
import { keyFingerprint, kioskIdLink, registrationCommand } from '../identity/registration.js';
import { testCollectorConnection } from '../upload/connection-test.js';
import { resolveUploadConfig } from '../upload/service.js';
import type { AdminDeps } from './deps.js';
import { INTEGRATOR } from './sessions.js';

export interface UploadSetupOptions {
  /** The device key; default: loaded from (or made in) the data directory, as `kiosk identity` does. */
  identity?: () => DeviceIdentity;
  /** Deadline of each connection-test step (default 5 s). */
  stepTimeoutMs?: number;
}

/** Encodes `text` as a QR symbol's modules ('1' dark), error correction M (a screen photographed at an angle). */
export function qrMatrix(text: string): QrMatrix {
  const symbol = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = symbol.modules;
  let modules = '';
  for (let i = 0; i < size * size; i++) modules += data[i] ? '1' : '0';
  return { size, modules };
}

/** The collector URL in force and where it came from (KIOSK_COLLECTOR_URL overrides config.json: service.ts resolveUploadConfig). */
function urlInForce(configured: string | null): { url: string | null; source: 'config' | 'env' | 'none' } {
  const env = process.env.KIOSK_COLLECTOR_URL;
  if (env) return { url: env, source: 'env' };
  return configured ? { url: configured, source: 'config' } : { url: null, source: 'none' };
}

export function uploadSetupMethods(deps: AdminDeps, options: UploadSetupOptions = {}): Pick<KioskService, 'getUploadSetup' | 'testCollector'> {
  // The uploader was started from the configuration in force when the kiosk started (src/app/compose.ts):
  // remembered here so the screen can say a saved URL waits for a restart.
  let runningUrl: string | null = null;
  try {
    runningUrl = resolveUploadConfig(deps.config).collectorUrl;
  } catch {
    runningUrl = null;
  }
  const identity = (): DeviceIdentity | { failed: { reason: 'DEVICE_KEY_INVALID' | 'DEVICE_KEY_INSECURE' | 'INTERNAL'; message: string } } => {
    try {
      if (options.identity) return options.identity();
      if (!deps.configDir) return { failed: { reason: 'INTERNAL', message: 'this kiosk has no data directory, so no device key' } };
      return loadOrCreateDeviceKey(deps.configDir);
    } catch (err) {
      if (err instanceof DeviceKeyError) return { failed: { reason: err.reason, message: err.message } };
      return { failed: { reason: 'INTERNAL', message: 'the device key could not be read' } };
    }
  };

  return {
    async getUploadSetup(request, context) {
      const held = deps.sessions.require(request.session, context, 'upload-setup', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      try {
        const id = identity();
        // The device-key reasons are upload reasons, not kiosk ones: the message carries the code.
        if ('failed' in id) return fail('INTERNAL', `${id.failed.reason}: ${id.failed.message}`);
        const config = deps.config;
        const configured = config.upload.collectorUrl ?? null;
        const inForce = urlInForce(configured);
        const name = config.kioskName ?? null;
        const text = registrationCommand(id.publicKeyB64, name ?? config.kioskId);
        const link = kioskIdLink(config.kioskId, id.kioskId);
        return ok({
          collectorUrl: inForce.url,
          source: inForce.source,
          configuredUrl: configured,
          runningUrl,
          caFile: config.upload.caFile ?? null,
          allowInsecureHttp: config.upload.allowInsecureHttp,
          kioskId: config.kioskId.slice(0, 64),
          deviceKioskId: id.kioskId,
          kioskName: name === null ? null : name.slice(0, 64),
          publicKey: id.publicKeyB64,
          fingerprint: (keyFingerprint(id.publicKey).match(/.{4}/g) ?? []).join(' '),
          registration: { text, qr: qrMatrix(text) },
          mismatch: link.warning ? { warning: link.warning.slice(0, 400) } : null,
          revision: deps.liveConfig.revision,
        });
      } catch (err) {
        deps.log(`upload-setup failed: ${(err as Error).message}`);
        return fail('INTERNAL', 'the uploads setup could not be read');
      }
    },

    async testCollector(request, context) {
      const held = deps.sessions.require(request.session, context, 'upload-test', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      try {
        const config = deps.config;
        const url = request.url?.trim() || urlInForce(config.upload.collectorUrl ?? null).url;
        if (!url) return fail('BAD_REQUEST', 'no collector URL: type one, or set upload.collectorUrl');
        const id = identity();
        if ('failed' in id) return fail('INTERNAL', `${id.failed.reason}: ${id.failed.message}`);
        const steps = await testCollectorConnection({
          url,
          identity: id,
          caFile: config.upload.caFile ?? null,
          allowInsecureHttp: config.upload.allowInsecureHttp,
          ...(options.stepTimeoutMs !== undefined ? { stepTimeoutMs: options.stepTimeoutMs } : {}),
        });
        // Reasons and states only: the URL is configuration, never personal data.
        deps.log(`upload-test ${steps.map((s) => `${s.step}=${s.state}${s.reason ? `:${s.reason}` : ''}`).join(' ')}`);
        return ok({ url: url.slice(0, 2048), steps });
      } catch (err) {
        deps.log(`upload-test failed: ${(err as Error).message}`);
        return fail('INTERNAL', 'the connection test stopped unexpectedly');
      }
    },
  };
}
