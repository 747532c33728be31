/**
 * The TL-B comment above each message in contracts/ says the same as contracts/schema.tlb.
 *
 * schema.spec.ts proves the schema against the compiled code; this keeps the per-message comments
 * (which readers of a .tact file see first) from drifting away from it. Comments known to be wrong
 * are listed below with the reason, so the check passes today and fails as soon as one is fixed
 * (then delete its entry) or a new disagreement appears.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSchema } from '../../tools/schema/tlb';

const REPO = path.resolve(__dirname, '../..');

/** Constructor -> why its comment in contracts/ disagrees with the compiled layout. */
const KNOWN_WRONG_COMMENTS: Record<string, string> = {
    // e.g. propose_params: 'struct fields of a message are stored in their own cell: params:^Params',
    payout_requested: 'excess_to does not fit the first cell (1110 bits): compiled as _:^[ excess_to:MsgAddress ]',
    escrow_opened: 'deposit does not fit the first cell (1070 bits): compiled as _:^[ deposit:Coins demand:(Maybe DemandProfile) ]',
    voucher:
        'the tag is the Tact field tag:Int as uint32 (always VOUCHER_TAG), written voucher$_ tag:uint32; a 32-bit constructor tag here is an opcode',
};

interface TactComment {
    file: string;
    line: number;
    name: string;
    text: string;
}

function tactFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? tactFiles(path.join(dir, e.name)) : e.name.endsWith('.tact') ? [path.join(dir, e.name)] : [],
    );
}

/** `// name#xxxxxxxx ... = Type;` comments, possibly continued over further `//` lines. */
function tlbComments(): TactComment[] {
    const out: TactComment[] = [];
    for (const file of tactFiles(path.join(REPO, 'contracts'))) {
        const lines = readFileSync(file, 'utf8').split('\n');
        for (let i = 0; i < lines.length; i++) {
            const m = /^\s*\/\/\s*([a-z][a-z0-9_]*)#([0-9a-f]{8})\b/.exec(lines[i]);
            if (!m) continue;
            let text = lines[i].replace(/^\s*\/\//, '');
            let j = i;
            while (!text.includes(';') && j + 1 < lines.length && /^\s*\/\//.test(lines[j + 1])) {
                j++;
                text += ' ' + lines[j].replace(/^\s*\/\//, '');
            }
            // Anything after the `;` is a remark on the line (`; (addr_none: no guardian)`).
            const decl = text.slice(0, text.indexOf(';') + 1 || undefined);
            out.push({ file: path.relative(REPO, file), line: i + 1, name: m[1], text: decl.trim().replace(/\s+/g, ' ') });
        }
    }
    return out;
}

describe('TL-B comments in contracts/ match contracts/schema.tlb', () => {
    const schema = parseSchema(readFileSync(path.join(REPO, 'contracts/schema.tlb'), 'utf8'));
    const byName = new Map(schema.constructors.map((c) => [c.name, c]));
    const comments = tlbComments();

    it('finds a comment for every message in the schema', () => {
        const commented = new Set(comments.map((c) => c.name));
        const missing = schema.constructors.filter((c) => c.opcode !== null && !commented.has(c.name)).map((c) => c.name);
        expect(missing).toEqual([]);
    });

    it.each(comments.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const declared = byName.get(c.name);
        if (!declared) throw new Error(`${c.file}:${c.line}: ${c.name} is not in contracts/schema.tlb`);
        const known = KNOWN_WRONG_COMMENTS[c.name];
        if (known) {
            // Still wrong? If it now matches, the entry above is stale: delete it.
            expect({ where: `${c.file}:${c.line}`, comment: c.text, stillDiffers: c.text !== declared.text }).toEqual({
                where: `${c.file}:${c.line}`,
                comment: c.text,
                stillDiffers: true,
            });
        } else {
            expect({ where: `${c.file}:${c.line}`, comment: c.text }).toEqual({ where: `${c.file}:${c.line}`, comment: declared.text });
        }
    });
});
