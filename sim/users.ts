import { createHash, randomBytes } from 'node:crypto';
import { generateSecret } from 'otplib';

export type SimRole = 'owner' | 'admin' | 'normal';

export interface SimUserSpec {
  /** e.g. `alice@olares.com` */
  olaresId: string;
  password: string;
  /** Base32 TOTP secret; when set the account has 2FA and firstfactor answers fa2: true. */
  totpSecret?: string;
  role?: SimRole;
}

export interface SimUser {
  olaresId: string;
  local: string;
  role: SimRole;
  /** What the wire carries: md5hex(password + '@Olares2025'). */
  passwordHash: string;
  totpSecret?: string;
}

export const PASSWORD_SALT_SUFFIX = '@Olares2025';

export function olaresPasswordHash(password: string): string {
  return createHash('md5')
    .update(password + PASSWORD_SALT_SUFFIX)
    .digest('hex');
}

export function makeUser(spec: SimUserSpec): SimUser {
  const local = spec.olaresId.split('@')[0];
  return {
    olaresId: spec.olaresId,
    local,
    role: spec.role ?? 'owner',
    passwordHash: olaresPasswordHash(spec.password),
    totpSecret: spec.totpSecret,
  };
}

/** Demo accounts printed by `olares-mcp sim`: an owner with 2FA and a normal user without it. */
export function demoUsers(): SimUserSpec[] {
  return [
    {
      olaresId: 'alice@olares.com',
      password: 'demo-password-alice',
      totpSecret: generateSecret(),
      role: 'owner',
    },
    { olaresId: 'bob@olares.com', password: 'demo-password-bob', role: 'normal' },
  ];
}

export const randomToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
