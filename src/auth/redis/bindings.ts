// Bindings of bearer principals in the shared store, one key each (a hash of the principal is the
// key, the value says who it is in full). Remote mode asks on every call whether the caller is
// bound; a replica answers from memory what it read before and learns of revocations by polling
// one mark that `revokePrincipal` changes (the box's store has no pub/sub): at most one read of
// the mark per BINDING_RECHECK_MS, shared by all calls, so a revocation reaches every replica
// within that bound. Only "bound" is remembered: a binding made on another replica is seen at once.
import { randomUUID } from 'node:crypto';
import { checkPrincipal, type Principal, type PrincipalBindings, principalId } from '../principals.js';
import { REVOKE_BINDING } from './scripts.js';
import type { StateStore } from './store.js';

/** How often a replica reads the revocation mark: the bound on a revocation reaching it. */
export const BINDING_RECHECK_MS = 1000;
/** The longest a binding is trusted from memory, mark unchanged or not (a store restored from a backup). */
export const BINDING_MAX_AGE_MS = 60_000;
/** Principals remembered at most (an owner binds a few agents); past it the memory starts over. */
const BINDINGS_KEPT = 256;

export class RedisPrincipalBindings implements PrincipalBindings {
  /** Bound principals by id, with when that was read. */
  private readonly known = new Map<string, number>();
  /** The revocation mark last read; undefined before the first read. */
  private mark: string | null | undefined;
  private markReadAt = Number.NEGATIVE_INFINITY;
  private markRead?: Promise<void>;
  /** Counts forgettings, so a binding read across one is not remembered afterwards. */
  private generation = 0;

  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  private keyOf(p: Principal) {
    return this.store.key('binding', principalId(p));
  }

  async bindPrincipal(principal: Principal): Promise<boolean> {
    const p = checkPrincipal(principal);
    const value = JSON.stringify({ iss: p.iss, sub: p.sub, boundAt: new Date().toISOString() });
    return (await this.store.run((r) => r.set(this.keyOf(p), value, 'NX'))) === 'OK';
  }

  async revokePrincipal(principal: Principal): Promise<boolean> {
    const p = checkPrincipal(principal);
    this.forget();
    const dropped = await this.store.eval(
      REVOKE_BINDING,
      [this.keyOf(p), this.store.key('bindings-revoked')],
      [randomUUID()],
    );
    return Number(dropped) > 0;
  }

  async isBound(principal: Principal): Promise<boolean> {
    await this.checkMark();
    const id = principalId(principal);
    const readAt = this.known.get(id);
    if (readAt !== undefined && this.now() - readAt < BINDING_MAX_AGE_MS) return true;
    const generation = this.generation;
    const startedAt = this.now();
    const bound = await this.read(principal);
    this.known.delete(id);
    if (bound && generation === this.generation) {
      if (this.known.size >= BINDINGS_KEPT) this.known.clear();
      this.known.set(id, startedAt);
    }
    return bound;
  }

  private async read(principal: Principal): Promise<boolean> {
    const value = await this.store.run((r) => r.get(this.keyOf(principal)));
    if (!value) return false;
    const stored = JSON.parse(value) as Principal;
    return stored.iss === principal.iss && stored.sub === principal.sub;
  }

  /** Reads the mark when the last read is older than BINDING_RECHECK_MS; forgets all when it moved. */
  private async checkMark(): Promise<void> {
    if (this.now() - this.markReadAt < BINDING_RECHECK_MS) return;
    this.markRead ??= this.readMark().finally(() => {
      this.markRead = undefined;
    });
    await this.markRead;
  }

  private async readMark(): Promise<void> {
    const startedAt = this.now();
    const key = this.store.key('bindings-revoked');
    const mark = await this.store.run((r) => r.get(key));
    if (mark !== this.mark) this.forget();
    this.mark = mark;
    this.markReadAt = startedAt;
  }

  private forget() {
    this.known.clear();
    this.generation++;
  }
}
