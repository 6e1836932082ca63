/**
 * The module Piscina loads in each pool thread. Piscina loads its task module with require()
 * first, and on Node 20.19+ require() of an ES module (worker.js) links and runs it synchronously:
 * a pool destroyed while a thread is in that step aborts the whole process (SIGABRT, node's
 * "CreateRequiredModuleFacade … Assertion failed", about once in a few hundred short-lived pools,
 * e.g. a CLI run that fails right after creating its pool). This entry is CommonJS, so require()
 * takes the plain CommonJS path, and loads worker.js with import(), which a terminated thread
 * simply abandons. Piscina awaits the exported promise for the task function.
 */
export = import('./worker.js').then((m) => m.default);
