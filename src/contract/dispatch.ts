// One place where a call from a screen is checked and handed to the core, used by both hosts, so
// the browser host and Electron refuse exactly the same things with exactly the same reasons.
import { z } from 'zod';
import {
  METHODS,
  fail,
  isMethodName,
  type CallContext,
  type KioskService,
  type Result,
} from './api.js';

/** Describes a zod failure by paths and messages only: the offending values may be personal data. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(request)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates `params` against the method's request schema, calls the service, and validates its
 * answer against the response schema. Parsing the answer also strips fields the contract does not
 * name, so nothing the core adds by mistake (a full name, a document number) reaches a screen.
 * Never throws: every failure becomes a Result with a reason code.
 */
export async function dispatchCall(
  service: KioskService,
  method: unknown,
  params: unknown,
  context: CallContext,
): Promise<Result<unknown>> {
  if (!isMethodName(method)) return fail('BAD_REQUEST', `unknown method ${JSON.stringify(String(method).slice(0, 64))}`);
  const spec = METHODS[method];
  const parsed = spec.request.safeParse(params ?? {});
  if (!parsed.success) return fail('BAD_REQUEST', `invalid ${method} request: ${describeIssues(parsed.error)}`);
  let result: Result<unknown>;
  try {
    const handler = service[method] as (request: unknown, context: CallContext) => Promise<Result<unknown>>;
    result = await handler.call(service, parsed.data, context);
  } catch (err) {
    return fail('INTERNAL', `${method} failed inside the kiosk: ${err instanceof Error ? err.name : 'error'}`);
  }
  if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
    return fail('INTERNAL', `${method} returned no result`);
  }
  if (!result.ok) return result;
  const answer = (spec.response as z.ZodType).safeParse(result.value);
  if (!answer.success) return fail('INTERNAL', `${method} answered outside the contract: ${describeIssues(answer.error)}`);
  return { ok: true, value: answer.data };
}

