#!/usr/bin/env node
// `npm audit` of the production dependencies: fails on high or critical advisories. A registry that
// does not serve the advisory endpoint (some mirrors answer 405) cannot be checked: that is said
// plainly and does not fail the run.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

/**
 * A warning in the form CI systems annotate (`::warning::`), on standard output so the log shows it;
 * also appended to CI_WARNINGS_FILE, which .ci/run counts and repeats at the end of the run.
 */
function warn(text) {
  process.stdout.write(`::warning title=npm audit::${text}\n`);
  if (process.env.CI_WARNINGS_FILE) fs.appendFileSync(process.env.CI_WARNINGS_FILE, `${text}\n`);
}

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
    warn(`npm audit: the registry's advisory endpoint is not available here (${message}); not checked`);
    process.exit(0);
  }
  process.stderr.write(`npm audit failed: ${message}\n`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities ?? {};
process.stdout.write(`npm audit (production): ${JSON.stringify(counts)}\n`);
process.exit((counts.high ?? 0) + (counts.critical ?? 0) > 0 ? 1 : 0);
