/**
 * The gas tables in the contract docs against snapshots/gas.json.
 *
 * A row of such a table starts with the operation's snapshot name in backticks and ends with its
 * figures, e.g.
 *   | `provider.withdraw` | WithdrawStake | 18363 | 0 | 0.009916683 |
 * for the columns (gas, root gas, fees in TON), or with no root gas column, e.g.
 *   | `escrow.charge` | SubmitCharge → Escrow → ... | ≥ 0.03 | ... | 15,849 | 0.00783 |
 * (thousands may be separated by commas). Each figure must lie within the snapshot's
 * tolerance of the committed one, so a doc cannot keep figures the contracts no longer have.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toNano } from '@ton/core';
import { readSnapshot, TOLERANCE } from '../../tools/gas/snapshot';

const REPO = path.resolve(__dirname, '../..');
const DOCS = ['docs/contracts/provider.md', 'docs/contracts/escrow.md'];
const ROW = /^\|\s*`([a-z]+)\.([a-z0-9_.]+)`[^|]*\|.*?\|\s*(\d[\d,]*)\s*\|(?:\s*(\d[\d,]*)\s*\|)?\s*(\d+\.\d+)\s*\|\s*$/;
const num = (text: string | undefined) => Number((text ?? '0').replace(/,/g, ''));

interface DocRow {
    doc: string;
    line: number;
    contract: string;
    op: string;
    gas: number;
    rootGas: number;
    fees: number;
}

function docRows(doc: string): DocRow[] {
    const lines = readFileSync(path.join(REPO, doc), 'utf8').split('\n');
    const rows: DocRow[] = [];
    lines.forEach((text, i) => {
        const m = ROW.exec(text);
        if (!m) return;
        rows.push({
            doc,
            line: i + 1,
            contract: m[1],
            op: m[2],
            gas: num(m[3]),
            rootGas: num(m[4]),
            fees: Number(toNano(m[5])),
        });
    });
    return rows;
}

function within(doc: number, snap: number): boolean {
    if (snap === 0) return doc === 0;
    return Math.abs(doc - snap) / snap <= TOLERANCE;
}

describe('gas tables in the docs', () => {
    const snapshot = readSnapshot();
    const rows = DOCS.flatMap(docRows);

    it('the snapshot exists and each doc has a gas table', () => {
        expect(snapshot).not.toBeNull();
        for (const doc of DOCS) expect(rows.filter((r) => r.doc === doc).length).toBeGreaterThan(0);
    });

    it('every row names an operation in the snapshot and agrees with its figures', () => {
        const problems: string[] = [];
        for (const r of rows) {
            const where = `${r.doc}:${r.line} ${r.contract}.${r.op}`;
            const f = snapshot?.[r.contract]?.[r.op];
            if (!f) {
                problems.push(`${where}: not in snapshots/gas.json`);
                continue;
            }
            const pairs: [string, number, number][] = [
                ['gas', r.gas, f.gas],
                ['root gas', r.rootGas, f.rootGas ?? 0],
                ['fees', r.fees, f.fees],
            ];
            for (const [name, doc, snap] of pairs) {
                if (!within(doc, snap)) problems.push(`${where}: ${name} ${doc} in the doc, ${snap} in the snapshot`);
            }
        }
        expect(problems).toEqual([]);
    });
});
