export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}
export declare function countReport(report: unknown): Totals & { unloaded: { name: string; message: string }[] };
export declare function countInto(totals: Totals, label: string, reportFile: string): string[];
export declare function removeOldReports(files: string[]): void;
