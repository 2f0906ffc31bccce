#!/usr/bin/env node
// `npm audit` of the production dependencies: fails on high or critical advisories. A registry that
// does not serve the advisory endpoint (some mirrors answer 405) cannot be checked: that is said
// plainly and does not fail the run.
'use strict';
const { spawnSync } = require('node:child_process');

const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout || '{}');
} catch {
  process.stderr.write(`npm audit printed no JSON:\n${run.stdout}${run.stderr}\n`);
  process.exit(1);
}
if (report.error !== undefined) {
  const message = `${report.statusCode ?? ''} ${report.message ?? report.error.summary ?? ''}`.trim();
  // The registry answered, but not the advisory query (a mirror or proxy without it): cannot check.
  if (typeof report.statusCode === 'number' && report.statusCode !== 200) {
    process.stderr.write(
      `npm audit: the registry's advisory endpoint is not available here (${message}); not checked\n`,
    );
    process.exit(0);
  }
  process.stderr.write(`npm audit failed: ${message}\n`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities ?? {};
process.stdout.write(`npm audit (production): ${JSON.stringify(counts)}\n`);
process.exit((counts.high ?? 0) + (counts.critical ?? 0) > 0 ? 1 : 0);
