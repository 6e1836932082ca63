// The one concurrency toolkit of the library: a semaphore, a ring of shared buffers, and bounded
// parallel loops over a list (with or without a buffer per item).
export { Semaphore } from './semaphore.js';
export { BufferRing } from './buffer-ring.js';
export { forEachLimit, forEachWithBuffer, type Held } from './for-each.js';
