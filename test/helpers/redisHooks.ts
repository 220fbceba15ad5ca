// One private redis-server (helpers/redis.ts) and a plain client on it for a whole test file:
// started before its first test, stopped after its last. Kept apart from helpers/redis.ts,
// which the benchmarks import outside vitest.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedis } from './redis.js';

export function privateRedis(): { server: RedisServer; raw: Redis } {
  const shared = {} as { server: RedisServer; raw: Redis };
  beforeAll(async () => {
    shared.server = await startRedis();
    const { host, port, password } = shared.server;
    shared.raw = new Redis({ host, port, password });
  });
  afterAll(async () => {
    shared.raw?.disconnect();
    await shared.server?.stop();
  });
  return shared;
}
