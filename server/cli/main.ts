import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../src/config/config';
import { MoneyRangeError } from '../../src/domain/money';
import { registerAuditCommands } from './audit-commands';
import { registerCrmMappingCommands } from './crm-mapping-commands';
import { registerDeadLetterCommands } from './dead-letter-commands';
import { registerDoctorCommands } from './doctor-commands';
import { registerHubspotCommands } from './hubspot-commands';
import { registerImportCommands } from './import-commands';
import { registerPauseCommands } from './pause-commands';
import { registerPromiseCommands } from './promise-commands';
import { registerRiskCommands } from './risk-commands';
import { registerRulesCommands } from './rules-commands';
import { registerSalesforceCommands } from './salesforce-commands';
import { EXIT, ExitCode, terminalSafe, UsageError } from './shared';
import { registerStatusCommands } from './status-commands';
import { registerStoreCommands } from './store-commands';
import { registerSyncCommands } from './sync-commands';
import { registerTaskCommands } from './task-commands';
import { registerTermsCommands } from './terms-commands';

export { UsageError } from './shared';

export function buildProgram(): Command {
  const program = new Command('collections')
    .description('crm-collections: billing and payment status, aging and collections work for CRM teams')
    .showHelpAfterError()
    .exitOverride();
  // The order of registration is the order `collections --help` lists the commands in.
  registerImportCommands(program);
  registerStatusCommands(program);
  registerPauseCommands(program);
  registerPromiseCommands(program);
  registerRiskCommands(program);
  registerRulesCommands(program);
  registerTaskCommands(program);
  registerAuditCommands(program);
  registerStoreCommands(program);
  registerTermsCommands(program);
  registerSyncCommands(program);
  registerHubspotCommands(program);
  registerSalesforceCommands(program);
  registerCrmMappingCommands(program);
  registerDeadLetterCommands(program);
  registerDoctorCommands(program);
  return program;
}

/** The exit code of an error a command threw, after saying what went wrong (see `EXIT`). */
function exitCodeOf(error: unknown, wantsJson: boolean): number {
  if (error instanceof ExitCode) return error.code;
  if (error instanceof CommanderError) {
    // Commander already printed usage errors; help and version exit 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError || error instanceof ConfigError) {
    if (wantsJson) {
      const details = error instanceof UsageError ? error.details : { problems: error.problems };
      process.stdout.write(
        `${terminalSafe(JSON.stringify({ ok: false, error: error.message, ...(details as object) }, null, 2), { json: true })}\n`,
      );
    }
    process.stderr.write(`collections: ${terminalSafe(error.message)}\n`);
    return EXIT.usage;
  }
  // Data beyond what sums exactly is named, not a fault of this program to trace.
  const text =
    error instanceof MoneyRangeError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`collections: ${terminalSafe(text)}\n`);
  return EXIT.failure;
}

/** Runs one command line and answers its exit code; only the entry point hands it to the process. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return exitCodeOf(error, argv.includes('--json'));
  }
}

// `collections tasks | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
