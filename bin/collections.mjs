#!/usr/bin/env node
// The `collections` command: runs the TypeScript CLI through tsx (no build step). The program is
// loaded through tsx's CommonJS hook, the lighter of its two, so every command answers `--help`
// without loading more than its definitions; the ES module hook serves the SDK adapters a command
// loads when it runs.
import { createRequire } from 'node:module';
import { register } from 'tsx/esm/api';

register();
const require = createRequire(import.meta.url);
require('tsx/cjs/api').register();
const { runCli } = require('../server/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
