// Facts about a box that rarely change (its Olares version, its files nodes), remembered per
// profile for a few minutes so a tool call does not pay one more GET for them every time.
// A failed read is never kept, and a call that fails because a fact was stale drops it.

/** How long a fact is trusted: an upgrade or a new node shows up within this time at worst. */
export const BOX_FACT_TTL_MS = 5 * 60_000;

export interface FilesNodeFact {
  name: string;
  master: boolean;
}

interface Entry<T> {
  value: Promise<T>;
  expiresAt: number;
}

/** One kind of fact, keyed by olaresId. */
export class FactCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs = BOX_FACT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The remembered fact, or `load()`'s answer (shared by concurrent callers; a failure is not kept). */
  get(olaresId: string, load: () => Promise<T>): Promise<T> {
    const held = this.entries.get(olaresId);
    if (held && held.expiresAt > this.now()) return held.value;
    const entry: Entry<T> = { value: load(), expiresAt: this.now() + this.ttlMs };
    this.entries.set(olaresId, entry);
    entry.value.catch(() => {
      if (this.entries.get(olaresId) === entry) this.entries.delete(olaresId);
    });
    return entry.value;
  }

  /** Drops the fact: the box answered in a way that says it no longer holds. */
  forget(olaresId: string): void {
    this.entries.delete(olaresId);
  }
}

export interface BoxFacts {
  /** `osVersion` of desktop /api/olares-info: decides the market request bodies. */
  version: FactCache<string>;
  /** Files nodes of /api/nodes/: decide which pod takes uploads and pastes. */
  nodes: FactCache<FilesNodeFact[]>;
}

export function newBoxFacts(ttlMs = BOX_FACT_TTL_MS, now: () => number = Date.now): BoxFacts {
  return { version: new FactCache(ttlMs, now), nodes: new FactCache(ttlMs, now) };
}

// Held per owner (the server's AuthContext) rather than per process, so two servers or two
// simulated boxes in one test process never see each other's facts.
const byOwner = new WeakMap<object, BoxFacts>();

export function boxFactsFor(owner: object): BoxFacts {
  let facts = byOwner.get(owner);
  if (!facts) {
    facts = newBoxFacts();
    byOwner.set(owner, facts);
  }
  return facts;
}
