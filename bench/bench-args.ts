/** The command line of a bench script, read by {@link benchArgs}. */
export interface BenchArgs {
  /** True when `name` is given. */
  flag(name: string): boolean;
  /** The positive whole number after `name`, or undefined when `name` is not given. */
  option(name: string): number | undefined;
  /** The text after `name`, or undefined when `name` is not given. */
  text(name: string): string | undefined;
  /** Says what is wrong, then the usage, on stderr, and exits 2. */
  fail(problem: string): never;
}

/**
 * Reads `process.argv` for a bench script: `--help` (or `-h`) prints
 * `usage` and exits 0; an option without a usable value, or an argument the
 * script does not take (`known` lists its flags and options), says so with
 * the usage and exits 2, before anything starts.
 */
export function benchArgs(usage: string, known: readonly string[]): BenchArgs {
  const args = process.argv.slice(2);
  const fail = (problem: string): never => {
    process.stderr.write(`${problem}\n\n${usage}\n`);
    process.exit(2);
  };
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  for (const [index, arg] of args.entries()) {
    if (arg.startsWith("-") && !known.includes(arg)) fail(`unknown argument ${arg}`);
    if (!arg.startsWith("-") && (index === 0 || !(args[index - 1] ?? "").startsWith("-"))) fail(`unexpected argument ${arg}`);
  }
  const text = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at === -1) return undefined;
    const value = args[at + 1];
    return value === undefined || value.startsWith("-") ? fail(`${name} takes a value`) : value;
  };
  return {
    flag: (name) => args.includes(name),
    option: (name) => {
      const value = text(name);
      if (value === undefined) return undefined;
      const number = Number(value);
      return Number.isInteger(number) && number >= 1 ? number : fail(`${name} takes a positive whole number, not ${JSON.stringify(value)}`);
    },
    text,
    fail,
  };
}
