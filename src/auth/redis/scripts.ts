// The Lua scripts, kept tiny: they call only GET, SET, DEL and PEXPIRE on the keys passed in.
// A versioned value is "<version>.<payload>"; the version is the fence a compare-and-set checks.

/** Parses a versioned value; version 0 means no value. */
export function splitVersioned(value: string | null): { version: number; payload?: string } {
  if (value === null) return { version: 0 };
  const dot = value.indexOf('.');
  const version = Number(value.slice(0, dot));
  if (dot < 1 || !Number.isSafeInteger(version)) return { version: -1 };
  return { version, payload: value.slice(dot + 1) };
}

const CURRENT_VERSION = `
local cur = redis.call('GET', KEYS[1])
local v = 0
if cur then v = tonumber(string.match(cur, '^(%d+)%.')) or -1 end`;

/** KEYS: record. ARGV: payload. Writes the next version unconditionally; returns it. */
export const WRITE_NEXT = `${CURRENT_VERSION}
if v < 0 then v = 0 end
redis.call('SET', KEYS[1], (v + 1) .. '.' .. ARGV[1])
return v + 1`;

/**
 * KEYS: record [, lease]. ARGV: expected version, payload [, lease owner].
 * Writes only if the lease (when given) is still the owner's and the record is still at the
 * expected version. Returns the new version, 0 on a version conflict, -1 when the lease is lost.
 */
export const COMPARE_AND_SET = `
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[3] then return -1 end${CURRENT_VERSION}
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], (v + 1) .. '.' .. ARGV[2])
return v + 1`;

/** KEYS: lease. ARGV: owner, ttl ms. Extends the lease only for its holder; 1 when renewed. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: lease. ARGV: owner. Deletes the lease only for its holder. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS: record. Returns the value and deletes it: a single-use read. */
export const TAKE = `
local cur = redis.call('GET', KEYS[1])
if cur then redis.call('DEL', KEYS[1]) end
return cur`;

/**
 * KEYS: binding, revocation mark. ARGV: a new mark. Drops the binding and changes the mark every
 * replica polls, in one step; returns how many bindings were dropped (0 or 1).
 */
export const REVOKE_BINDING = `
local dropped = redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1])
return dropped`;
