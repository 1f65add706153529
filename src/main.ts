import {Argument, Command, CommanderError, Option} from 'commander';
import type {Shell} from './commands/completion.js';
import type {Env} from './env.js';
import {CommandError} from './errors.js';
import {ExitCode} from './exit-codes.js';
import {flaggedModes, JOB_KINDS, JOB_TYPES, type JobKind} from './jobs.js';
import {DEFAULTS, type RawOptions} from './options.js';
import {NAME, say} from './say.js';
import {VERSION} from './version.js';

const SHELLS: Shell[] = ['bash', 'zsh', 'fish'];

/** What a command's action calls with its exit code: commander's parse itself returns nothing. */
type Finish = (exitCode: number) => void;

/** commander's "unknown option '--auth=abc'" would echo a value: only the option name is shown. */
function withoutValues(message: string): string {
  return message.replace(/^error: /, '').replace(/'(--?[^'=\s]+)=[^']*'/g, "'$1'").trim();
}

/**
 * How help shows a duration's default: commander would print the raw string (`(default: "10")`).
 * A bare number is seconds; 0 is only ever the default of --timeout and --stall, where it means never.
 */
function shownDuration(text: string): string {
  if (text === '0') return 'never';
  return /^\d+(\.\d+)?$/.test(text) ? `${text}s` : text;
}

function durationOption(flags: string, description: string, defaultText: string): Option {
  return new Option(flags, description).default(defaultText, shownDuration(defaultText));
}

function connectionOptions(command: Command): Command {
  return command
    .option('--host <host>', 'API server: hostname, host:port, or origin URL (default: $PCLOUD_API_HOST, else by region)')
    .addOption(new Option('--region <region>', 'picks the default host: us (api.pcloud.com) or eu (eapi.pcloud.com) (default: $PCLOUD_REGION, else us)'))
    .addOption(durationOption('--request-timeout <duration>', 'abandon and retry a request with no full answer by then', DEFAULTS.requestTimeout));
}

/** A watch command, from its row in the job table (jobs.ts) and the rows its flags pick. */
function addWatchCommand(program: Command, kind: JobKind, run: (kind: JobKind, hashes: string[], raw: RawOptions) => Promise<number>, finish: Finish): void {
  const {method, help} = JOB_TYPES[kind];
  const {what, startedBy, exampleHash: hash} = help;
  const modes = flaggedModes(kind);
  const alsoBy = modes.map(({mode}) => JOB_TYPES[mode].help.startedBy);
  const command = program
    .command(kind)
    .summary(`watch ${what} (polls ${method})${modes.map(({mode, flag}, i) => `${i === 0 ? ', or' : ' or'} ${JOB_TYPES[mode].help.what} (${flag.name})`).join('')}`)
    .argument('[progresshash...]', `the progresshash given to ${[startedBy, ...alsoBy].join(', or ')} (several: watched at once)`);
  const noCredentials = modes.filter(({mode}) => JOB_TYPES[mode].credentials !== 'required').map(({flag}) => flag.name);
  connectionOptions(command)
    .option('--hash-file <path>', 'more progresshashes, one a line (- = stdin; # comments)')
    .option('--auth-file <path>', 'read an auth token from a file (- = stdin)')
    .option('--access-token-file <path>', 'read an OAuth 2.0 access token from a file (- = stdin)')
    .addOption(durationOption('--interval <duration>', 'time between polls', DEFAULTS.interval))
    .addOption(durationOption('--wait <duration>', 'how long the job may be "not found" before it appears or after it vanished', DEFAULTS.wait))
    .addOption(durationOption('--timeout <duration>', 'give up after this long in total (0 = never)', DEFAULTS.timeout))
    .addOption(durationOption('--stall <duration>', 'give up when nothing moved for this long (0 = never)', DEFAULTS.stall))
    .addOption(new Option('--connections <n>', 'keep-alive connections at the most, however many jobs').default(DEFAULTS.connections, DEFAULTS.connections))
    .option('--json', 'NDJSON events on stdout, one object a line')
    .option('--plain', 'plain lines even on a terminal (what a log, CI or TERM=dumb gets)')
    .option('-q, --quiet', 'print nothing; the exit code tells')
    .option('--no-color', 'no colors (also NO_COLOR, TERM=dumb)')
    .option('--metrics-file <path>', "also write the jobs' state as Prometheus text to this file, replaced as it changes (node_exporter's textfile collector)")
    .option('--pushgateway <url>', "also push the jobs' state to this Prometheus Pushgateway as it changes, and once at the end")
    .addHelpText(
      'after',
      `
Durations: seconds (0.5) or units (250ms, 2s, 1m, 1h, 1m30s).
Credentials: --access-token-file, --auth-file, $PCLOUD_ACCESS_TOKEN or $PCLOUD_AUTH (the first given)${noCredentials.length > 0 ? `;\n${noCredentials.join(' and ')} need none` : ''}.

Examples:
  ${NAME} ${kind} ${hash} --host api7.pcloud.com --auth-file ~/.pcloud-auth
  ${NAME} ${kind} ${hash} --json | jq -r 'select(.event == "done") | .raw'
  ${NAME} ${kind} -- -hash-starting-with-dash`,
    )
    .action(async (hashes: string[], raw: RawOptions) => {
      finish(await run(kind, hashes, raw));
    });
  for (const {flag} of modes) command.option(flag.value === undefined ? flag.name : `${flag.name} <${flag.value}>`, flag.description);
}

/**
 * The program: argv -> options -> run -> exit code. Every failure ends here as an exit code and
 * at most one line on stderr; nothing below prints a stack trace.
 */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const errorLine = (message: string): void => say(env.stderr, message);
  // `--help | head -3`: a reader that closes the pipe early is not an error; the rest is dropped
  // (a watch also stops on it: see session.ts)
  let writeError: string | undefined;
  const noteWriteError = (error: NodeJS.ErrnoException): void => {
    // a reader that closed the pipe is not an error; a full disk is (exit 1)
    if (error.code !== 'EPIPE') writeError ??= error.code ?? 'write error';
  };
  env.stdout.on?.('error', noteWriteError);
  env.stderr.on?.('error', () => {}); // nowhere left to say so
  let finished: number = ExitCode.ok;
  const program = buildProgram(env, errorLine, (code) => {
    finished = code;
  });
  const exitCode = (await run(program, argv, env, errorLine)) ?? finished;
  await flushed(env.stdout);
  if (writeError !== undefined && exitCode !== ExitCode.sigint && exitCode !== ExitCode.sigterm && exitCode !== ExitCode.sighup) {
    errorLine(`cannot write to standard output (${writeError})`);
    return ExitCode.bug;
  }
  return exitCode;
}

/** Resolves once everything written to `stream` so far is out (or failed: its 'error' tells). */
function flushed(stream: Env['stdout']): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}

function buildProgram(env: Env, errorLine: (message: string) => void, finish: Finish): Command {
  const program = new Command(NAME)
    .description('Watch a pCloud upload, server-side zip or archive extraction live: bars on a terminal, NDJSON for scripts.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => void env.stdout.write(text),
      writeErr: (text) => void env.stderr.write(text),
      outputError: (text) => errorLine(`${withoutValues(text)} (see ${NAME} --help)`),
    })
    .addHelpText(
      'after',
      `
Examples:
  ${NAME} demo                                   # try it: no account, no network
  host=$(${NAME} server --url)                   # the API machine to upload to ("$host/uploadfile") and poll
  ${NAME} upload backup-42 --host "$host"        # bars on a terminal, lines in a log
  ${NAME} zip zip-7 --json | jq 'select(.percent != null) | .percent'   # NDJSON for scripts

Environment: PCLOUD_AUTH, PCLOUD_ACCESS_TOKEN, PCLOUD_API_HOST, PCLOUD_REGION, NO_COLOR, FORCE_COLOR, CI (plain lines; not when false or 0), LC_ALL/LC_CTYPE/LANG (not UTF-8: ASCII marks).
Exit codes: 0 finished, 1 internal error or output not written, 2 usage, 3 auth, 4 not found, 5 rate limited, 6 server/network, 7 timeout/stall, 8 some items failed, 129/130/143 interrupted.`,
    );

  const runKind = async (kind: JobKind, hashes: string[], raw: RawOptions): Promise<number> => {
    const {watchCommand} = await import('./commands/watch.js');
    return watchCommand(kind, hashes, raw, env);
  };
  for (const kind of JOB_KINDS) addWatchCommand(program, kind, runKind, finish);
  connectionOptions(program.command('server').summary('print a hostname pinned to one API machine (for upload + watch)'))
    .option('--url', 'print it as an origin URL (https://api7.pcloud.com; the emulator: http://127.0.0.1:8080): for "$host/uploadfile" and --host alike')
    .option('--json', 'print the whole answer as one JSON object')
    .addHelpText(
      'after',
      // the token goes in the form body, never in the URL (a URL ends up in logs)
      `
Examples (upload to the machine it names, and watch the upload there):
  host=$(${NAME} server --url)
  curl -s -F "auth=$PCLOUD_AUTH" -F progresshash=h1 -F folderid=0 -F file=@big.bin "$host/uploadfile" >/dev/null &
  ${NAME} upload h1 --host "$host"`,
    )
    .action(async (raw: RawOptions & {url?: boolean}) => {
      const {serverCommand} = await import('./commands/server.js');
      finish(await serverCommand(raw, env));
    });

  program
    .command('demo')
    .summary('a built-in pCloud emulator, an upload, one to an upload link, a remote upload, a zip and an extraction on it, watched (no account, no network)')
    .addOption(durationOption('--duration <duration>', 'how long the demo jobs take (with --serve: a savezip of the seeded files, the extraction of the seeded archive)', '6'))
    .addOption(durationOption('--interval <duration>', 'time between polls', '200ms'))
    .option('--json', 'NDJSON events on stdout, one object a line')
    .option('--plain', 'plain lines even on a terminal (what a log, CI or TERM=dumb gets)')
    .option('-q, --quiet', 'print nothing; the exit code tells')
    .option('--no-color', 'no colors (also NO_COLOR, TERM=dumb)')
    .option('--serve', 'only run the emulator (until Ctrl-C), to try curl + pcloud-progress (or a pCloud SDK) by hand')
    .option('--port <port>', 'with --serve: the loopback port (default: a free one)')
    .addHelpText(
      'after',
      `
With --serve the emulator takes the auth token demo-token and the OAuth access token
demo-access-token (Authorization: Bearer), and logs in demo@example.com / demo-password
(userinfo?getauth=1). It holds a dozen files, a real zip archive and an upload link, and prints
its URL on stdout and, on stderr, lines to paste into another terminal: an upload, an upload to
the link, a zip and an extraction, each watched.

Examples:
  ${NAME} demo                      # bars on a terminal, plain lines in a pipe
  ${NAME} demo --json | jq -c 'select(.event == "done") | {kind, bytes}'
  ${NAME} demo --serve --port 8080  # then paste the lines it prints into another terminal`,
    )
    .action(async (raw: RawOptions & {duration?: string; serve?: boolean; port?: string}) => {
      const {demoCommand} = await import('./commands/demo.js');
      finish(await demoCommand(raw, env));
    });

  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', SHELLS.join(', ')).choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  source <(${NAME} completion bash)   # bash: this line in ~/.bashrc
  source <(${NAME} completion zsh)    # zsh: this line in ~/.zshrc, after compinit
  ${NAME} completion fish | source    # fish: this line in ~/.config/fish/config.fish`,
    )
    .action(async (shell: Shell) => {
      const {completionCommand} = await import('./commands/completion.js');
      finish(completionCommand(program, shell, env));
    });

  return program;
}

/**
 * Parses argv and runs the command it names. The one place a failure becomes an exit code: a
 * CommandError by its reason (the table in exit-codes.ts), commander's own usage errors as 2,
 * anything else as a bug. undefined: the command ran and set its own code (see Finish).
 */
async function run(program: Command, argv: readonly string[], env: Env, errorLine: (message: string) => void): Promise<number | undefined> {
  try {
    await program.parseAsync([...argv], {from: 'user'});
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof CommandError) {
      errorLine(error.message);
      return ExitCode[error.reason];
    }
    errorLine(`internal error (a bug, please report it): ${error instanceof Error ? error.message : String(error)}`);
    if (env.vars.PCLOUD_PROGRESS_DEBUG) env.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return ExitCode.bug;
  }
}

export {nodeEnv} from './env.js';
