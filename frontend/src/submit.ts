/**
 * "Submit Cell to Eigen": turn a notebook cell into a `POST jobs` request. A cell may
 * start with the `%%eigen submit` line the magic uses; its job options are honoured.
 */

import type { ISubmitRequest } from './api';

/** A cell that cannot be submitted as it is; the message says why and what to do. */
export class CellNotSubmittable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CellNotSubmittable';
  }
}

const INT_OPTIONS: Record<string, keyof ISubmitRequest> = {
  '--shots': 'shots',
  '--seed': 'seed',
  '--priority': 'priority'
};

const TEXT_OPTIONS: Record<string, keyof ISubmitRequest> = {
  '--target': 'target',
  '--name': 'name',
  '--noise': 'noise_model'
};

/** Options of `%%eigen submit` that only matter to the kernel (waiting, output names). */
const KERNEL_ONLY = new Set(['--wait', '-o', '--output']);
const KERNEL_ONLY_WITH_VALUE = new Set(['-o', '--output']);

/**
 * The submission for a cell's source.
 *
 * @throws CellNotSubmittable - the cell is empty, another magic, or has a bad option.
 */
export function cellToSubmission(source: string): ISubmitRequest {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && !lines[0].trim()) {
    lines.shift();
  }
  const request: ISubmitRequest = {};
  const first = lines[0]?.trim() ?? '';
  if (first.startsWith('%%')) {
    const words = splitWords(first);
    if (words[0] !== '%%eigen' || (words[1] !== undefined && words[1] !== 'submit')) {
      throw new CellNotSubmittable(
        `This cell starts with "${words.slice(0, 2).join(' ')}"; only a program, or a ` +
          'program under "%%eigen submit", can be submitted.'
      );
    }
    Object.assign(request, parseOptions(words.slice(2)));
    lines.shift();
  }
  const program = lines.join('\n').trim();
  if (!program) {
    throw new CellNotSubmittable(
      'The cell holds no program. Write an Eigen-Lang program (a @hybrid_program ' +
        'function) in the cell, then submit it.'
    );
  }
  return { ...request, source: program + '\n' };
}

function parseOptions(words: string[]): ISubmitRequest {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const [flag, inline] = words[i].includes('=')
      ? (words[i].split(/=(.*)/s, 2) as [string, string])
      : [words[i], undefined];
    if (KERNEL_ONLY.has(flag)) {
      if (KERNEL_ONLY_WITH_VALUE.has(flag) && inline === undefined) {
        i += 1;
      }
      continue;
    }
    if (flag === '--input') {
      const pair = inline ?? words[++i] ?? '';
      const [name, raw] = pair.split(/=(.*)/s, 2);
      if (raw === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new CellNotSubmittable(
          `--input "${pair}" must look like NAME=VALUE, e.g. --input n_qubits=4`
        );
      }
      const inputs = (out.inputs ?? {}) as Record<string, unknown>;
      try {
        inputs[name] = JSON.parse(raw);
      } catch {
        inputs[name] = raw;
      }
      out.inputs = inputs;
      continue;
    }
    const field = INT_OPTIONS[flag] ?? TEXT_OPTIONS[flag];
    if (!field) {
      throw new CellNotSubmittable(
        `"${flag}" is not an option the panel can submit with; run the cell instead ` +
          '(Shift+Enter), or remove the option.'
      );
    }
    const value = inline ?? words[++i];
    if (value === undefined) {
      throw new CellNotSubmittable(`"${flag}" needs a value, e.g. ${flag} 1000`);
    }
    if (flag in INT_OPTIONS) {
      const n = Number(value);
      if (!Number.isInteger(n)) {
        throw new CellNotSubmittable(`"${flag}" needs an integer, got "${value}"`);
      }
      out[field] = n;
    } else {
      out[field] = value;
    }
  }
  return out as ISubmitRequest;
}

/** Split a magic line into words the way a shell would: quotes group, and are removed. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|([^\s"']+)/g;
  let current = '';
  let last = -1;
  for (const match of line.matchAll(pattern)) {
    const piece = match[1] ?? match[2] ?? match[3] ?? '';
    const start = match.index ?? 0;
    if (start === last) {
      current += piece; // glued to the previous piece: --name="a b"
    } else {
      if (last >= 0) {
        words.push(current);
      }
      current = piece;
    }
    last = start + match[0].length;
  }
  if (last >= 0) {
    words.push(current);
  }
  return words;
}
