import type {Argument, Command, Option} from 'commander';
import type {Env} from '../env.js';
import {ExitCode} from '../exit-codes.js';
import {DEFAULT_HOSTS} from '../host.js';

/**
 * Shell completion scripts, generated from the commander program itself (its commands, their
 * options and arguments), so a new option completes without anyone remembering to add it here.
 * The scripts hold the whole table: a TAB costs no Node start.
 */

export type Shell = 'bash' | 'zsh' | 'fish';

/** What may be typed after an option, or as an argument. */
type Values = {type: 'none'} | {type: 'any'} | {type: 'files'} | {type: 'words'; words: string[]};

interface OptionSpec {
  /** `-q`, `--quiet`: one or both */
  names: string[];
  description: string;
  values: Values;
  /** the placeholder: `duration` for `--wait <duration>` */
  valueName: string;
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** what its arguments complete to */
  argument: Values;
  /** how the argument is named in zsh's menu: `progresshash` */
  argumentName: string;
  variadic: boolean;
  required: boolean;
}

interface ProgramSpec {
  name: string;
  /** the shell function's name: `_pcloud_progress` */
  functionName: string;
  options: OptionSpec[];
  commands: CommandSpec[];
}

/**
 * Values an option's placeholder stands for, where the placeholder alone tells: `<path>` is a
 * file (or - for stdin), `<region>` one of the regions. Other placeholders (`<host>`,
 * `<duration>`) take anything.
 */
const VALUES_BY_PLACEHOLDER: Record<string, Values> = {
  path: {type: 'files'},
  region: {type: 'words', words: Object.keys(DEFAULT_HOSTS)},
};

/** Names and words go into the scripts unquoted (case patterns, word lists): only these characters. */
const SAFE_WORD = /^[\w@%+=:,./-]+$/;

function safe(word: string): string {
  if (!SAFE_WORD.test(word)) throw new Error(`cannot put "${word}" in a completion script`);
  return word;
}

const placeholderOf = (option: Option): string => /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? '';

function optionValues(option: Option): Values {
  if (!option.required && !option.optional) return {type: 'none'};
  if (option.argChoices) return {type: 'words', words: option.argChoices.map(safe)};
  return VALUES_BY_PLACEHOLDER[placeholderOf(option)] ?? {type: 'any'};
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined).map(safe);
  return {names, description: option.description, values: optionValues(option), valueName: safe(placeholderOf(option) || 'value')};
}

function argumentValues(argument: Argument | undefined, commandNames: string[]): Values {
  if (!argument) return {type: 'none'};
  if (argument.argChoices) return {type: 'words', words: argument.argChoices.map(safe)};
  // commander's own `help [command]`
  if (argument.name() === 'command') return {type: 'words', words: commandNames};
  return {type: 'any'};
}

/** The program as the completion scripts need it: what `--help` shows, nothing hidden. */
function programSpec(program: Command): ProgramSpec {
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const commandNames = commands.map((command) => safe(command.name()));
  return {
    name: safe(program.name()),
    functionName: `_${program.name().replace(/\W/g, '_')}`,
    options: help.visibleOptions(program).map(optionSpec),
    commands: commands.map((command) => {
      const argument = command.registeredArguments[0];
      return {
        name: safe(command.name()),
        description: command.summary() || command.description(),
        options: help.visibleOptions(command).map(optionSpec),
        argument: argumentValues(argument, commandNames),
        argumentName: safe(argument?.name() ?? 'argument'),
        variadic: argument?.variadic ?? false,
        required: argument?.required ?? false,
      };
    }),
  };
}

const allNames = (options: OptionSpec[]): string[] => options.flatMap((option) => option.names);
const withValues = (options: OptionSpec[], type: Values['type']): OptionSpec[] => options.filter((option) => option.values.type === type);

// ---------------------------------------------------------------------------------------------
// bash: one function reads COMP_WORDS; works with bash 3.2 (macOS) too: no mapfile, no ${x,,}

function bashValueCases(fn: string, options: OptionSpec[], indent: string): string[] {
  const lines: string[] = [];
  for (const option of options) {
    if (option.values.type === 'words') lines.push(`${indent}${option.names.join('|')}) ${fn}_words "$cur" '${option.values.words.join(' ')}'; return ;;`);
  }
  const files = withValues(options, 'files');
  if (files.length > 0) lines.push(`${indent}${allNames(files).join('|')}) ${fn}_files "$cur"; return ;;`);
  const any = withValues(options, 'any');
  // a value nobody can guess (a host, a duration): offer nothing rather than the option list
  if (any.length > 0) lines.push(`${indent}${allNames(any).join('|')}) return ;;`);
  return lines;
}

function bashArgument(fn: string, values: Values): string {
  if (values.type === 'words') return `${fn}_words "$cur" '${values.words.join(' ')}'`;
  if (values.type === 'files') return `${fn}_files "$cur"`;
  return ':';
}

function bashScript(spec: ProgramSpec): string {
  const fn = spec.functionName;
  const topValueOptions = spec.options.filter((option) => option.values.type !== 'none');
  const commandArms = spec.commands.map((command) => {
    const valueCases = bashValueCases(fn, command.options, '        ');
    return [
      `    ${command.name})`,
      ...(valueCases.length > 0 ? ['      [[ -z $dashdash ]] && case $prev in', ...valueCases, '      esac'] : []),
      `      if [[ -z $dashdash && $cur == -* ]]; then ${fn}_words "$cur" '${allNames(command.options).join(' ')}'`,
      `      else ${bashArgument(fn, command.argument)}`,
      '      fi ;;',
    ].join('\n');
  });
  return `# bash completion for ${spec.name}, generated from the program by \`${spec.name} completion bash\`
# Load it in ~/.bashrc with: source <(${spec.name} completion bash)

${fn}_words() {
  local word
  COMPREPLY=()
  while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -W "$2" -- "$1")
}

${fn}_files() {
  local file
  COMPREPLY=()
  # directories get their slash, names with spaces stay one word (bash 4+; harmless before)
  compopt -o filenames 2>/dev/null || :
  while IFS= read -r file; do COMPREPLY+=("$file"); done < <(compgen -f -- "$1")
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev= command= dashdash= word i
  COMPREPLY=()
  ((COMP_CWORD > 0)) && prev=\${COMP_WORDS[COMP_CWORD-1]}
  # bash splits --region=eu at the = (COMP_WORDBREAKS): complete the value as a word of its own
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = && COMP_CWORD -ge 2 ]]; then
    prev=\${COMP_WORDS[COMP_CWORD-2]}
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $command ]]; then
      [[ $word == -- ]] && dashdash=1
      continue
    fi
    case $word in
${topValueOptions.length > 0 ? `      ${allNames(topValueOptions).join('|')}) ((i++)) ;;\n` : ''}      -*) ;;
      *) command=$word ;;
    esac
  done
  case $command in
    '')
      if [[ $cur == -* ]]; then ${fn}_words "$cur" '${allNames(spec.options).join(' ')}'
      else ${fn}_words "$cur" '${spec.commands.map((command) => command.name).join(' ')}'
      fi ;;
${commandArms.join('\n')}
  esac
  return 0
}

complete -F ${fn} ${spec.name}
`;
}

// ---------------------------------------------------------------------------------------------
// zsh: _arguments, with descriptions; loads from fpath (#compdef) or with source after compinit

/** Inside '...' in zsh: a quote closes, reopens; inside _arguments' [...]: ] and \\ are escaped. */
function zshQuoted(text: string): string {
  return text.replace(/'/g, `'\\''`);
}

function zshExplanation(text: string): string {
  return zshQuoted(text.replace(/[\\\]]/g, (c) => `\\${c}`).replace(/:/g, '\\:'));
}

function zshAction(values: Values): string {
  if (values.type === 'words') return `(${values.words.join(' ')})`;
  if (values.type === 'files') return '_files';
  return ' ';
}

function zshOptionSpecs(options: OptionSpec[]): string[] {
  return options.flatMap((option) =>
    option.names.map((name) => {
      // after --help or --version nothing else counts; -q excludes --quiet and the other way round
      const ends = option.names.includes('--help') || option.names.includes('--version');
      const excluded = ends ? '(- *)' : option.names.length > 1 ? `(${option.names.join(' ')})` : '';
      const takesValue = option.values.type !== 'none';
      const form = takesValue ? (name.startsWith('--') ? `${name}=` : `${name}+`) : name;
      const value = takesValue ? `:${option.valueName}:${zshAction(option.values)}` : '';
      return `'${excluded}${form}[${zshExplanation(option.description)}]${value}'`;
    }),
  );
}

function zshScript(spec: ProgramSpec): string {
  const fn = spec.functionName;
  const continuation = ' \\\n';
  const commandArms = spec.commands.map((command) => {
    const specs = zshOptionSpecs(command.options);
    if (command.argument.type !== 'none') {
      const position = command.variadic ? '*:' : command.required ? ':' : '::';
      specs.push(`'${position}${command.argumentName}:${zshAction(command.argument)}'`);
    }
    const body = specs.length > 0 ? `_arguments -s${continuation}            ${specs.join(`${continuation}            `)}` : ':';
    return `        ${command.name})\n          ${body}\n          ;;`;
  });
  const described = spec.commands.map((command) => `        '${command.name}:${zshQuoted(command.description)}'`);
  return `#compdef ${spec.name}
# zsh completion for ${spec.name}, generated from the program by \`${spec.name} completion zsh\`
# Load it in ~/.zshrc, after compinit, with: source <(${spec.name} completion zsh)

${fn}() {
  local curcontext=$curcontext state state_descr line
  typeset -A opt_args
  _arguments -C${continuation}    ${[...zshOptionSpecs(spec.options), "'1: :->command'", "'*:: :->argument'"].join(`${continuation}    `)}
  case $state in
    command)
      local -a commands
      commands=(
${described.join('\n')}
      )
      _describe -t commands '${spec.name} command' commands
      ;;
    argument)
      curcontext=\${curcontext%:*:*}:${spec.name}-$words[1]:
      case $words[1] in
${commandArms.join('\n')}
      esac
      ;;
  esac
}

if [[ $funcstack[1] == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.name}
fi
`;
}

// ---------------------------------------------------------------------------------------------
// fish: one `complete` line per command and option

function fishQuoted(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function fishOption(spec: ProgramSpec, condition: string, option: OptionSpec): string {
  const names = option.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`));
  const values = option.values;
  const value = values.type === 'words' ? ` -x -a ${fishQuoted(values.words.join(' '))}` : values.type === 'files' ? ' -r -F' : values.type === 'any' ? ' -x' : '';
  return `complete -c ${spec.name} -n ${condition} ${names.join(' ')}${value} -d ${fishQuoted(option.description)}`;
}

function fishScript(spec: ProgramSpec): string {
  const top = '__fish_use_subcommand';
  const lines = [
    `# fish completion for ${spec.name}, generated from the program by \`${spec.name} completion fish\``,
    `# Load it in ~/.config/fish/config.fish with: ${spec.name} completion fish | source`,
    `complete -c ${spec.name} -e`,
    // no file names unless an option or argument takes a file
    `complete -c ${spec.name} -f`,
    ...spec.options.map((option) => fishOption(spec, top, option)),
    ...spec.commands.map((command) => `complete -c ${spec.name} -n ${top} -a ${command.name} -d ${fishQuoted(command.description)}`),
  ];
  for (const command of spec.commands) {
    const condition = fishQuoted(`__fish_seen_subcommand_from ${command.name}`);
    lines.push(...command.options.map((option) => fishOption(spec, condition, option)));
    if (command.argument.type === 'words') lines.push(`complete -c ${spec.name} -n ${condition} -a ${fishQuoted(command.argument.words.join(' '))}`);
    if (command.argument.type === 'files') lines.push(`complete -c ${spec.name} -n ${condition} -F`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const spec = programSpec(program);
  if (shell === 'bash') return bashScript(spec);
  if (shell === 'zsh') return zshScript(spec);
  return fishScript(spec);
}

/** `completion <shell>`: the script on stdout, for `source <(...)` or a completions folder. */
export function completionCommand(program: Command, shell: Shell, env: Env): number {
  env.stdout.write(completionScript(program, shell));
  return ExitCode.ok;
}
