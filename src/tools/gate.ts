// The one confirmation gate. Every change that needs the user's yes goes through confirm(),
// called before any side effect, so a handler can run again from the top (an approval link, and
// later the 2026-07-28 protocol's retried calls, re-run it).
//
// Two kinds of change:
// - `destructive`: deletes, uninstalls, restarts. Outside strict mode, a client without forms
//   lets them run on its own approval prompt, and the result says `confirmed: false`
//   (docs/architecture.md#confirmation-gate).
// - `risky`: what an injected agent could use against the user (public or admin shares,
//   overwrites, profile switches). These fail closed: a form, or the user's click on an approval
//   link, or nothing.
// - `credential`: sending a credential to an auth host nobody trusted yet. A form naming the
//   host, or nothing; OLARES_CONFIRM=off does not skip it (OLARES_TRUSTED_DOMAINS is the switch).
import type { ConfirmMode } from '../config.js';
import { OlaresMcpError } from '../errors.js';
import { escapeInvisible } from './boxText.js';
import { InputRequiredSignal } from './callProtocol.js';

export type ChangeKind = 'destructive' | 'risky' | 'credential';

export interface ConfirmRequest {
  /** One line naming the change, phrased as a question: "Delete 3 item(s)?" */
  question: string;
  /** Exactly what will be changed; shown one per line (first 20, then a count). */
  targets: string[];
  kind: ChangeKind;
  /** Lines the user should see in the confirmation (e.g. a share's link password). */
  details?: string[];
  /**
   * Values the handler chose and showed in `details`. An approval link is approved on one call
   * and used by the next, which chooses afresh: the gate hands back the values the user saw.
   */
  memo?: Record<string, string>;
}

export type ConfirmedHow = 'form' | 'approval-link' | 'client-approval' | 'confirm-off';

export interface Confirmation {
  /** true only when the person at the keyboard said yes (form or approval link). */
  confirmed: boolean;
  how: ConfirmedHow;
  /** Why it ran unconfirmed, for the result: "client cannot show forms". */
  reason?: string;
  /** The `memo` the user approved (approval links); use these values, not fresh ones. */
  memo?: Record<string, string>;
}

/** Nothing was changed: the user declined, cancelled, or could not be asked. */
export class ConfirmationRefusedError extends OlaresMcpError {
  constructor(tool: string, reason: string) {
    super(`${tool}: ${reason}; nothing was changed`, { code: 'not_confirmed' });
  }
}

/** The user has to approve on a loopback page first; the agent then calls again unchanged. */
export class ApprovalRequiredError extends OlaresMcpError {
  constructor(
    tool: string,
    readonly approvalUrl: string,
    readonly expiresAt: string,
    why?: string,
  ) {
    super(
      `${why ? `${why}; ` : ''}${tool} needs the user's approval and nothing was changed yet. Give the user this link to open in a browser on this machine: ${approvalUrl} (it names the change; it expires at ${expiresAt}). After they approve, call ${tool} again with exactly the same arguments.`,
      { code: 'approval_required' },
    );
  }
}

export interface FormAnswer {
  answer: 'yes' | 'no' | 'decline' | 'cancel' | 'no-answer';
  /** The `memo` shown when the user said yes in an earlier round (2026-07-28): use these values. */
  memo?: Record<string, string>;
}

/** What the gate needs from the protocol side; context.ts supplies it. */
export interface GateDeps {
  tool: string;
  /** The call's arguments: an approval is bound to them. */
  args: Record<string, unknown>;
  mode: ConfirmMode;
  /** Whether a form can be shown (client declares it and OLARES_FORMS is not off). */
  canShowForm: boolean;
  /**
   * Shows a yes/no form; resolves to the user's answer, or `no-answer` when the client declared
   * forms but nobody answered in time. In the 2026-07-28 era it may end the round instead
   * (InputRequiredSignal: the client asks the user and calls again).
   */
  askForm(message: string, req: ConfirmRequest): Promise<FormAnswer>;
  /**
   * An approval link for this exact call and change (`req`: its question and targets bind it too,
   * so two confirmations in one call, or a box that changed meanwhile, are asked separately);
   * undefined when links are not available here.
   */
  approvalLink?(
    message: string,
    req: ConfirmRequest,
  ): Promise<
    { approved: true; memo?: Record<string, string> } | { url: string; expiresAt: string } | undefined
  >;
}

/**
 * What the user reads. A form shows the first `limit` targets (clients draw short messages); the
 * approval page shows every one. Names can come from the box, so hidden characters are escaped.
 */
export function confirmationMessage(req: ConfirmRequest, limit = 20): string {
  const shown =
    req.targets.length > limit
      ? [...req.targets.slice(0, limit), `... and ${req.targets.length - limit} more`]
      : req.targets;
  return escapeInvisible([req.question, ...shown.map((t) => `  - ${t}`), ...(req.details ?? [])].join('\n'));
}

export async function confirm(deps: GateDeps, req: ConfirmRequest): Promise<Confirmation> {
  if (deps.mode === 'off' && req.kind !== 'credential')
    return { confirmed: false, how: 'confirm-off', reason: 'OLARES_CONFIRM=off' };
  const message = confirmationMessage(req);
  if (deps.canShowForm) {
    let said: FormAnswer;
    try {
      said = await deps.askForm(message, req);
    } catch (err) {
      if (err instanceof InputRequiredSignal) throw err;
      throw new ConfirmationRefusedError(
        deps.tool,
        `the confirmation could not be shown (${(err as Error).message})`,
      );
    }
    const { answer } = said;
    if (answer === 'yes') return { confirmed: true, how: 'form', ...(said.memo ? { memo: said.memo } : {}) };
    if (answer === 'no-answer') return unanswered(deps, req);
    throw new ConfirmationRefusedError(
      deps.tool,
      answer === 'no'
        ? 'the user did not confirm'
        : answer === 'decline'
          ? 'the user declined'
          : 'the user cancelled',
    );
  }
  if (req.kind === 'destructive' && deps.mode === 'ask')
    return { confirmed: false, how: 'client-approval', reason: 'client cannot show forms' };
  if (req.kind === 'credential')
    throw new ConfirmationRefusedError(
      deps.tool,
      'sending a credential to a host no profile uses needs a confirmation form, and this client cannot show one',
    );
  const link = await deps.approvalLink?.(confirmationMessage(req, Number.POSITIVE_INFINITY), req);
  if (link && 'approved' in link) return { confirmed: true, how: 'approval-link', memo: link.memo };
  if (link) throw new ApprovalRequiredError(deps.tool, link.url, link.expiresAt);
  throw new ConfirmationRefusedError(
    deps.tool,
    deps.mode === 'strict'
      ? 'OLARES_CONFIRM=strict and this client cannot show a confirmation form'
      : "this change needs the user's confirmation and this client cannot show a form",
  );
}

/**
 * The client declared forms but nobody answered (Claude Desktop declares them and never draws
 * them): nothing changes, and the user gets the approval link instead where one can be made.
 */
async function unanswered(deps: GateDeps, req: ConfirmRequest): Promise<Confirmation> {
  const why = 'no answer to the confirmation form within 45 s';
  if (req.kind !== 'credential') {
    const link = await deps.approvalLink?.(confirmationMessage(req, Number.POSITIVE_INFINITY), req);
    if (link && 'approved' in link) return { confirmed: true, how: 'approval-link', memo: link.memo };
    if (link) throw new ApprovalRequiredError(deps.tool, link.url, link.expiresAt, why);
  }
  throw new ConfirmationRefusedError(deps.tool, why);
}
