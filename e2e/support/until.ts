// Waiting in end-to-end tests for something the kiosk does on its own time (a reading heard, a file
// written, an event pushed): polled, with a named timeout so a failure says what never happened.

/** Resolves once `check` holds; throws "timed out waiting for `what`" after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
