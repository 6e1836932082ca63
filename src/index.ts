export * from './errors.js';
export * from './hash/index.js';
export * from './pool/index.js';
export * from './glacier/index.js';
export * from './server/index.js';
export * from './catalog/index.js';
export * from './migrate/index.js';
