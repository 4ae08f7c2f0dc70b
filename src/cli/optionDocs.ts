import { registeredConfigSections } from '../training/algorithms/registry';
import { trainerOptions } from '../training/config';
import { defaultValue, kindText, type OptionEntry } from '../training/optionSchema';
import { DATASET_PROFILES } from './datasetProfiles';
import { COMMON_DEFAULTS, TRAINER_FLAG_OPTIONS } from './trainOptions';

/**
 * The option tables of docs/trainer.md (`generated:config-options`) and docs/cli.md
 * (`generated:train-options`), rendered from the option schema; scripts/renderDocs.ts writes them
 * (`npm run docs:render`) and `npm test` fails when the committed blocks differ. The algorithms' own
 * sections are in the methods block (methodsMarkdown), also rendered from their schema entries.
 */

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** A default as the trainer.md table writes it: `'tear'`, `0.95`, `null`, `C`, required. */
function trainerDefault(entry: OptionEntry): string {
  if (entry.default === undefined) return 'required';
  if (entry.defaultText !== undefined) return entry.defaultText;
  const v = defaultValue(entry, 10);
  return `\`${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}\``;
}

/** Whether an entry belongs to an algorithm's own section (those are listed with the algorithms). */
function inAlgorithmSection(entry: OptionEntry): boolean {
  return registeredConfigSections().some((s) => entry.path.startsWith(`${s.key}.`));
}

/** docs/trainer.md: every config option but the algorithms' sections, with its default, the values it accepts and its meaning. */
export function configOptionsMarkdown(): string {
  const rows = trainerOptions().filter((e) => !inAlgorithmSection(e)).map((e) =>
    `| \`${e.path}\` | ${trainerDefault(e)} | ${cell(kindText(e.kind))} | ${cell(e.help)}${e.cli ? ` (CLI \`--${e.cli.flag}\`)` : ''} |`);
  const sections = registeredConfigSections().map((s) => `\`${s.key}\``).join(', ');
  return [
    '| option | default | accepts | meaning |',
    '|---|---|---|---|',
    ...rows,
    `| ${sections} | see "Algorithms" | | the sections of the registered algorithms, each option with its default and bounds in the table there |`,
  ].join('\n');
}

/** A CLI default: the CLI's common default, else the trainer's, and the data sets that override it. */
function cliDefault(key: string, entry: OptionEntry): string {
  const common = (COMMON_DEFAULTS as Record<string, unknown>)[key];
  const base = common !== undefined ? common : entry.default === undefined ? undefined : entry.defaultText ?? defaultValue(entry, 10);
  const show = (v: unknown): string => (typeof v === 'string' && v === entry.defaultText ? v : `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``);
  const overrides = Object.values(DATASET_PROFILES).flatMap((p) => {
    const v = (p.defaults as Record<string, unknown>)[key];
    return v === undefined || v === base ? [] : [`${p.name} ${show(v)}`];
  });
  const text = base === undefined ? 'per data set' : show(base);
  return overrides.length === 0 ? text : `${text} (${overrides.join(', ')})`;
}

/** docs/cli.md: the flags of `tear-ssl train` that set the trainer config (but the algorithms' own, listed under "Methods"). */
export function trainOptionsMarkdown(): string {
  const entries = trainerOptions();
  const rows = TRAINER_FLAG_OPTIONS.flatMap((spec) => {
    const entry = entries.find((e) => e.path === spec.config) as OptionEntry;
    if (inAlgorithmSection(entry)) return [];
    const flag = spec.kind.type === 'boolean' ? `\`--${spec.flag}\` / \`--no-${spec.flag}\`` : `\`--${spec.flag} ${spec.valueName ?? spec.key.toUpperCase()}\``;
    return [`| ${flag} | \`${spec.key}\` | \`${entry.path}\` | ${cell(kindText(entry.kind))} | ${cliDefault(spec.key, entry)} | ${cell(entry.help)} |`];
  });
  return [
    '| flag | config key | trainer config | accepts | default | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
