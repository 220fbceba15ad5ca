// The MCP Registry's server.json rules, schema 2025-12-11, written down as zod schemas because
// no npm package carries the published JSON Schema (the registry's publisher CLI is not on npm).
// Written from the registry repository's docs/reference/server-json (the schema, its CHANGELOG
// and official-registry-requirements.md). Objects are strict where the published schema is
// open, so a misspelt field (is_secret, environment_variables) fails here instead of being
// silently ignored by the registry.
import { z } from 'zod';

export const SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

/** Ranges and "latest" are refused: a registry entry names one exact release. */
const exactVersion = z
  .string()
  .min(1)
  .max(255)
  .refine((v) => v !== 'latest' && !/^[\^~<>=]|(^|\.)[x*](\.|$)/.test(v), 'a version range is not a version');

const inputFields = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  value: z.string().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
};
const Input = z.strictObject(inputFields);
const withVariables = { ...inputFields, variables: z.record(z.string(), Input).optional() };
const KeyValueInput = z.strictObject({ ...withVariables, name: z.string().min(1) });

const PositionalArgument = z
  .strictObject({
    ...withVariables,
    type: z.literal('positional'),
    valueHint: z.string().optional(),
    isRepeated: z.boolean().optional(),
  })
  .refine(
    (a) => a.value !== undefined || a.valueHint !== undefined,
    'a positional argument needs value or valueHint',
  );
const NamedArgument = z.strictObject({
  ...withVariables,
  type: z.literal('named'),
  name: z.string().min(1),
  isRepeated: z.boolean().optional(),
});
const Argument = z.union([PositionalArgument, NamedArgument]);

const httpUrl = z.string().regex(/^https?:\/\/\S+$/);
const StdioTransport = z.strictObject({ type: z.literal('stdio') });
const HttpTransport = z.strictObject({
  type: z.enum(['streamable-http', 'sse']),
  url: httpUrl,
  headers: z.array(KeyValueInput).optional(),
});
const RemoteTransport = HttpTransport.extend({
  url: z.string().regex(/^(https?:\/\/|\{)\S+$/),
  variables: z.record(z.string(), Input).optional(),
});

const Package = z
  .strictObject({
    registryType: z.string().min(1),
    registryBaseUrl: z.url().optional(),
    identifier: z.string().min(1),
    version: exactVersion.optional(),
    fileSha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .optional(),
    runtimeHint: z.string().optional(),
    transport: z.union([StdioTransport, HttpTransport]),
    runtimeArguments: z.array(Argument).optional(),
    packageArguments: z.array(Argument).optional(),
    environmentVariables: z.array(KeyValueInput).optional(),
  })
  .superRefine((p, ctx) => {
    const registryPackage = ['npm', 'pypi', 'nuget'].includes(p.registryType);
    if (registryPackage && !p.version)
      ctx.addIssue({ code: 'custom', message: `${p.registryType} needs version` });
    if (p.registryType === 'mcpb' && !p.fileSha256)
      ctx.addIssue({ code: 'custom', message: 'mcpb needs fileSha256' });
    // The official registry takes npm packages from the public registry only.
    if (p.registryType === 'npm' && p.registryBaseUrl && p.registryBaseUrl !== 'https://registry.npmjs.org')
      ctx.addIssue({ code: 'custom', message: 'npm packages must come from https://registry.npmjs.org' });
  });

const Icon = z.strictObject({
  src: z.url({ protocol: /^https$/ }).max(255),
  mimeType: z.enum(['image/png', 'image/jpeg', 'image/jpg', 'image/svg+xml', 'image/webp']).optional(),
  sizes: z.array(z.string().regex(/^(\d+x\d+|any)$/)).optional(),
  theme: z.enum(['light', 'dark']).optional(),
});

export const ServerJson = z.strictObject({
  $schema: z.literal(SCHEMA_URL),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, 'name is namespace/server, with exactly one slash'),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: exactVersion,
  websiteUrl: z.url().optional(),
  repository: z
    .strictObject({
      url: z.url(),
      source: z.string(),
      id: z.string().optional(),
      subfolder: z.string().optional(),
    })
    .optional(),
  icons: z.array(Icon).optional(),
  packages: z.array(Package).optional(),
  remotes: z.array(RemoteTransport).optional(),
  _meta: z
    .strictObject({
      'io.modelcontextprotocol.registry/publisher-provided': z.record(z.string(), z.unknown()),
    })
    .optional(),
});

/**
 * The official registry authenticates the namespace: io.github.<user or org>/ through GitHub,
 * or a reversed domain (com.example/) through DNS or HTTP.
 */
export const officialNamespace =
  /^(io\.github\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|[a-z0-9-]+(\.[a-z0-9-]+)+)\/[a-zA-Z0-9._-]+$/;
