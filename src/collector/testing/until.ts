// Waiting in tests for something a kiosk or the collector does on its own time (a heartbeat stored,
// a pushed configuration taken): polled every 25 ms, with a named timeout so a failure says what
// never happened. Resolves to the probe's first truthy answer.
export async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
