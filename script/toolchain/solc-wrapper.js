#!/usr/bin/env node
// onebalancer-solcjs-wrapper v1
//
// A native-CLI-compatible front for solc-js (the Solidity compiler built to WebAssembly), installed
// by script/setup.sh svm-style at <svm>/<version>/solc-<version>, so that forge and
// foundry-compilers select it per pragma exactly as they would a native solc. It is
// self-contained: the solc-js package it loads lives next to it in ./.solcjs-<version>/, never in
// a project checkout.
//
// It answers the two invocations those tools make:
//   solc --version
//   solc [--base-path DIR] [--allow-paths DIRS] [--include-path DIR]... --standard-json  (input on stdin)
'use strict';

const fs = require('fs');
const path = require('path');

const self = path.basename(__filename); // solc-<version>
const version = self.replace(/^solc-/, '');
const solcDir = path.join(__dirname, `.solcjs-${version}`, 'node_modules', 'solc');

function fail(message) {
  process.stderr.write(`${self} (onebalancer solc-js wrapper): ${message}\n`);
  process.exit(1);
}

let solc;
try {
  solc = require(solcDir);
} catch (err) {
  fail(`cannot load solc-js from ${solcDir} (${err.message}); re-run script/setup.sh to reinstall it`);
}

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  // solc-js reports "<ver>+commit.<hash>.Emscripten.clang"; tools expect a native platform suffix.
  const long = solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${long}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  fail(`only --version and --standard-json are supported, got: ${args.join(' ') || '(no arguments)'}`);
}

let basePath = process.cwd();
const includePaths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' && i + 1 < args.length) basePath = args[++i];
  else if (args[i] === '--include-path' && i + 1 < args.length) includePaths.push(args[++i]);
}

// Import callback: forge and foundry-compilers embed every resolved source in the input, but a
// native solc would also read a missing import relative to the base and include paths.
function findImport(importPath) {
  const roots = [basePath, ...includePaths];
  for (const root of roots) {
    const candidate = path.isAbsolute(importPath) ? importPath : path.join(root, importPath);
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (_) {
      // try the next root
    }
  }
  return { error: `File not found in ${roots.join(', ')}: ${importPath}` };
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  const output = solc.compile(input, { import: findImport });
  process.stdout.write(output);
  process.stdout.write('\n');
});
