// Asks every `collections` command for its help in one process, as the installed command loads it, and
// prints one JSON line: each command's exit code and usage line, and which SDK packages were loaded.
'use strict';
const path = require('node:path');

require('tsx/cjs/api').register();
const { buildProgram, runCli } = require(path.join(__dirname, '..', '..', 'server', 'cli', 'main.ts'));

function commandPaths(command, prefix) {
  return command.commands.flatMap((child) => {
    const here = [...prefix, child.name()];
    return [here, ...commandPaths(child, here)];
  });
}

async function main() {
  const paths = [[], ...commandPaths(buildProgram(), [])];
  const write = process.stdout.write.bind(process.stdout);
  const answers = [];
  for (const words of paths) {
    let printed = '';
    process.stdout.write = (chunk) => {
      printed += String(chunk);
      return true;
    };
    let code;
    try {
      code = await runCli([...words, '--help']);
    } finally {
      process.stdout.write = write;
    }
    answers.push({ command: words.join(' '), code, usage: printed.split('\n')[0] ?? '' });
  }
  const loaded = Object.keys(require.cache)
    .map((file) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1])
    .filter((name) => name !== undefined);
  write(`${JSON.stringify({ answers, packages: [...new Set(loaded)].sort() })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
