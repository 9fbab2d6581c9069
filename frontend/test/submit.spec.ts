import { describe, expect, it } from 'vitest';

import { CellNotSubmittable, cellToSubmission, splitWords } from '../src/submit';

const PROGRAM =
  'from eigen_lang import h, hybrid_program\n\n@hybrid_program()\ndef one():\n    h(0)';

describe('cellToSubmission', () => {
  it('sends a bare program as it is', () => {
    expect(cellToSubmission(PROGRAM)).toEqual({ source: PROGRAM + '\n' });
  });

  it('honours the job options of a %%eigen submit line', () => {
    const request = cellToSubmission(
      `%%eigen submit --target aer:mps --shots 500 --name "my job" --seed=7 --wait -o job ` +
        `--noise depolarizing:0.01 --input n=4 --input label=x\n${PROGRAM}`
    );
    expect(request).toEqual({
      source: PROGRAM + '\n',
      target: 'aer:mps',
      shots: 500,
      name: 'my job',
      seed: 7,
      noise_model: 'depolarizing:0.01',
      inputs: { n: 4, label: 'x' }
    });
  });

  it('splits like a shell', () => {
    expect(splitWords(`%%eigen submit --name "a b" --target='x y' -o j`)).toEqual([
      '%%eigen',
      'submit',
      '--name',
      'a b',
      '--target=x y',
      '-o',
      'j'
    ]);
  });

  it.each([
    ['an empty cell', '  \n'],
    ['only the magic line', '%%eigen submit --wait'],
    ['another cell magic', `%%timeit\n${PROGRAM}`],
    ['another eigen subcommand', `%%eigen compile\n${PROGRAM}`],
    ['an unknown option', `%%eigen submit --job job.yaml\n${PROGRAM}`],
    ['a non-integer shot count', `%%eigen submit --shots many\n${PROGRAM}`],
    ['a missing value', `%%eigen submit --target\n${PROGRAM}`]
  ])('refuses %s with a reason', (_id, cell) => {
    expect(() => cellToSubmission(cell)).toThrow(CellNotSubmittable);
  });
});
