// Port discovery for `kiosk devices list`. serialport lists ports through udevadm on Linux; where
// udevadm is missing (containers, minimal images) that fails, so the list falls back to the device
// nodes USB serial adapters create, and reports "no ports found" rather than crashing.
import { SerialPort } from 'serialport';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PortInfo {
  path: string;
  manufacturer: string | null;
  vendorId: string | null;
  productId: string | null;
  serialNumber: string | null;
}

export interface PortList {
  ports: PortInfo[];
  /** How the list was made: 'serialport' (udev) or 'dev-scan' (fallback). */
  source: 'serialport' | 'dev-scan';
  note: string | null;
}

function scanDev(): PortInfo[] {
  const found: PortInfo[] = [];
  const add = (path: string) => found.push({ path, manufacturer: null, vendorId: null, productId: null, serialNumber: null });
  try {
    for (const name of readdirSync('/dev/serial/by-id')) add(join('/dev/serial/by-id', name));
  } catch {
    // no udev-made links
  }
  try {
    for (const name of readdirSync('/dev')) if (/^tty(USB|ACM)\d+$/.test(name)) add(join('/dev', name));
  } catch {
    // no /dev (not Linux)
  }
  return found;
}

export async function listPorts(): Promise<PortList> {
  try {
    const ports = await SerialPort.list();
    return {
      ports: ports.map((p) => ({ path: p.path, manufacturer: p.manufacturer ?? null, vendorId: p.vendorId ?? null, productId: p.productId ?? null, serialNumber: p.serialNumber ?? null })),
      source: 'serialport',
      note: ports.length ? null : 'no ports found',
    };
  } catch {
    const ports = scanDev();
    return { ports, source: 'dev-scan', note: ports.length ? 'udevadm is not available: listed /dev nodes only' : 'no ports found (udevadm is not available)' };
  }
}
