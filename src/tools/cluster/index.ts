export * from './pods.js';
