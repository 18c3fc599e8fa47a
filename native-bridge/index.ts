// native-bridge's public surface: what the hosts (Electron main, browser host) and the CLI use.
// Core never imports this; it programs against src/core/devices (DeviceHub and its event types).
export { DeviceManager, type DeviceManagerOptions } from './manager.js';
export { startDemoDevices, DEMO_BAUD, type RunningDemoDevices, type StartDemoOptions } from './demo.js';
export { listPorts, type PortInfo, type PortList } from './ports.js';
export { decodeCard, type PhotoDecoder, type CardReadResult } from './drivers/idcard-driver.js';
export { PtyPair, createPtyPair, SocatMissingError } from './serial/pty.js';
export { IdCardSimulator } from './simulators/idcard-sim.js';
export { ThermometerSimulator } from './simulators/thermometer-sim.js';
export { ScannerSimulator } from './simulators/scanner-sim.js';
export { GateSimulator } from './simulators/gate-sim.js';
export { runConsoleCommand, helpFor, type AnySimulator } from './simulators/console.js';
