// Remote mode's serving layer (serve --http): the OAuth resource-server half and the request
// guards, ready to sit in front of the SDK's fetch-style MCP handler. It knows auth, config and
// errors, never src/tools: the tool list reaches it as plain {name, readOnly} pairs.
//
// The order a request takes (remoteFront composes it): hostAndOriginRefusal -> metadataResponse
// (public) -> authenticate (VerifiedTokenCache first) -> TokenBuckets.take(principal) -> the body,
// read once (readNodeBody, 413 past 4 MiB) -> the scope check of tools/call -> the MCP handler,
// which lists only visibleTools for the principal.
export * from './authenticate.js';
export * from './bearer.js';
export * from './discovery.js';
export * from './errors.js';
export * from './front.js';
export * from './guards.js';
export * from './metadata.js';
export * from './scopes.js';
export * from './setup.js';
export * from './tokenCache.js';
export { TOKEN_FILE_PRINCIPAL, tokenFileVerifier } from './tokenFile.js';
