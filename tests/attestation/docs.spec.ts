/**
 * docs/attestation.md lists every AttestationError code once, with the meaning errors.ts gives it,
 * and nothing else: the table cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATTESTATION_ERRORS } from '../../worker/src/attestation/errors';

it('the error table in docs/attestation.md matches errors.ts', () => {
    const doc = readFileSync(join(__dirname, '../../docs/attestation.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Error codes'));
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2].replace(/\\\|/g, '|')]);
    expect(rows).toEqual(Object.entries(ATTESTATION_ERRORS));
});
