// What an integrator shows the platform operator to register a kiosk (docs/upload-protocol.md §1,
// docs/integrator-setup.md "Uploads"): the device key's fingerprint, the exact command the
// operator's `kiosk collector register` takes, and the link between the configured `kioskId` the
// entries carry and the key's id the collector knows the kiosk by.
import { createHash } from 'node:crypto';

/** SHA-256 of the raw public key, lower-case hex. Its first 16 digits are the kiosk id (kioskIdOf). */
export function keyFingerprint(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

/** Single-quoted for a POSIX shell, so a name with spaces or quotes is pasted as one argument. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The registration request as the operator types it on the collector host. A name is optional (the
 * status page shows it); it is cut to 64 characters and stripped of control characters.
 */
export function registrationCommand(publicKeyB64: string, name: string | null): string {
  const clean = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 64);
  // The key before the options: `register` accepts a key that begins with '-' there (collector.ts).
  return `kiosk collector register ${publicKeyB64}${clean ? ` --name ${shellQuote(clean)}` : ''}`;
}

/**
 * The configured `kioskId` (config.json; every entry carries it) against the device key's id (what
 * the collector registers and files batches under). Different ids mean the platform lists the kiosk
 * under one name and its entries under another: warned about on the setup screen, `kiosk identity`
 * and the start banner.
 */
export function kioskIdLink(configuredKioskId: string, deviceKioskId: string): { mismatch: boolean; warning: string | null } {
  if (configuredKioskId === deviceKioskId) return { mismatch: false, warning: null };
  return {
    mismatch: true,
    warning: `config kioskId ${JSON.stringify(configuredKioskId)} differs from the device key's id ${deviceKioskId}: the collector lists this kiosk as ${deviceKioskId} while its entries say ${JSON.stringify(configuredKioskId)}; set kioskId to ${deviceKioskId}`,
  };
}
