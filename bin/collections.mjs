#!/usr/bin/env node
// The `collections` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
