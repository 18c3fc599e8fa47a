export declare const MARKER_VARIABLE: 'KIOSK_RUN_MARKER';
export interface MarkedProcess {
  pid: number;
  command: string;
}
export declare function markedProcesses(marker: string): MarkedProcess[];
export declare function waitUntilGone(marker: string, ms: number): Promise<MarkedProcess[]>;
export declare function reap(marker: string): Promise<MarkedProcess[]>;
