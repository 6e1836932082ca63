#!/usr/bin/env node
// The glacier-multipart command line lands here (issue: CLI).
console.error('glacier-multipart: the command line is not built yet');
process.exit(1);
