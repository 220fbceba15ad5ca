// The files service client, one module per concern; callers import this folder's index.
export * from './client.js';
