#!/usr/bin/env node
// CommonJS (bin/package.json): Node 20 starts its ES module loader only once something is
// imported, which saves every command about 20 ms (see bundle.mjs).
'use strict';

require('../dist/kact.cjs')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
