// Device configuration: which port each peripheral is on and how it speaks. Protocol settings that
// vary by vendor are configurable because devices spec §2 says sources disagree (register, scale,
// signedness, function code). The kiosk configuration (src/contract/config.ts) holds them as `devices`.
import type { z } from 'zod';
import { DevicesConfigSchema, GateConfigSchema, IdCardConfigSchema, ScannerConfigSchema, ThermometerConfigSchema, ThermometerProtocolSchema } from '../../contract/config.js';

// The schemas live in the contract (src/contract/config.ts), the one configuration document.
export { DevicesConfigSchema, GateConfigSchema, IdCardConfigSchema, ScannerConfigSchema, ThermometerConfigSchema, ThermometerProtocolSchema };

export type IdCardConfig = z.infer<typeof IdCardConfigSchema>;
export type ThermometerProtocol = z.infer<typeof ThermometerProtocolSchema>;
export type ThermometerConfig = z.infer<typeof ThermometerConfigSchema>;
export type ScannerConfig = z.infer<typeof ScannerConfigSchema>;
export type GateConfig = z.infer<typeof GateConfigSchema>;
export type DevicesConfig = z.infer<typeof DevicesConfigSchema>;
/** What a caller writes: defaults may be left out. */
export type DevicesConfigInput = z.input<typeof DevicesConfigSchema>;

export function parseDevicesConfig(input: unknown): DevicesConfig {
  return DevicesConfigSchema.parse(input);
}
