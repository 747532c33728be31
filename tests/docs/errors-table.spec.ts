/**
 * docs/errors.md against the compiled contracts.
 *
 * The doc holds one markdown table (or several with the same header) with the columns
 *   | code | decimal | constant | contract | meaning |
 * e.g. | 0x0101 | 257 | ERR_NOT_GOVERNANCE | Root | The sender is not governance. ... |
 * and must list every ERR_* constant the generated wrappers export, each once, with its value in
 * hex (0x plus four digits) and decimal, the contracts that throw it, and a meaning; nothing else.
 * The contract column names every contract whose sources use the constant (or says "all").
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as RootWrapper from '../../build/Root/tact_Root';
import * as ProviderWrapper from '../../build/Provider/tact_Provider';
import * as EscrowWrapper from '../../build/Provider/tact_Escrow';
import * as PayoutWrapper from '../../build/Provider/tact_PayoutAccount';

const REPO = path.resolve(__dirname, '../..');
const DOC = path.join(REPO, 'docs/errors.md');
const COLUMNS = ['code', 'decimal', 'constant', 'contract', 'meaning'];
const ANY_CONTRACT = /\b(all|every|any|shared|common)\b/i;

interface Row {
    line: number;
    code: string;
    decimal: string;
    constant: string;
    contract: string;
    meaning: string;
}

/** ERR_* constants exported by the generated wrappers; the wrappers must agree on each value. */
function exportedErrors(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    const wrappers: [string, object][] = [
        ['build/Root/tact_Root.ts', RootWrapper],
        ['build/Provider/tact_Provider.ts', ProviderWrapper],
        ['build/Provider/tact_Escrow.ts', EscrowWrapper],
        ['build/Provider/tact_PayoutAccount.ts', PayoutWrapper],
    ];
    for (const [file, mod] of wrappers) {
        for (const [name, value] of Object.entries(mod)) {
            if (!name.startsWith('ERR_') || typeof value !== 'bigint') continue;
            const seen = out.get(name);
            if (seen !== undefined && seen !== value) throw new Error(`${name} is ${seen} in one wrapper and ${value} in ${file}`);
            out.set(name, value);
        }
    }
    return out;
}

function cells(line: string): string[] {
    return line
        .trim()
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim());
}

/** Rows of every table in the doc whose header is COLUMNS (matched by each header's first word). */
function tableRows(md: string): Row[] {
    const lines = md.split('\n');
    const rows: Row[] = [];
    for (let i = 0; i < lines.length; i++) {
        if (!lines[i].trim().startsWith('|')) continue;
        const header = cells(lines[i]).map((h) => h.toLowerCase().replace(/[`*]/g, '').split(/\s+/)[0]);
        const isOurs = header.length === COLUMNS.length && header.every((h, k) => h === COLUMNS[k]);
        if (!isOurs || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '')) continue;
        let j = i + 2;
        for (; j < lines.length && lines[j].trim().startsWith('|'); j++) {
            const c = cells(lines[j]).map((x) => x.replace(/`/g, ''));
            rows.push({
                line: j + 1,
                code: c[0] ?? '',
                decimal: c[1] ?? '',
                constant: c[2] ?? '',
                contract: c[3] ?? '',
                meaning: c[4] ?? '',
            });
        }
        i = j;
    }
    return rows;
}

/**
 * Contract name -> its .tact sources: the file that declares `contract Name` and the files of its
 * folder that declare no contract (a folder may hold several contracts: contracts/escrow).
 */
function contractSources(): Map<string, string> {
    const out = new Map<string, string>();
    const root = path.join(REPO, 'contracts');
    const declared = (text: string) => [...text.matchAll(/^\s*contract\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]);
    for (const dir of readdirSync(root, { withFileTypes: true })) {
        if (!dir.isDirectory()) continue;
        const files = readdirSync(path.join(root, dir.name))
            .filter((f) => f.endsWith('.tact'))
            .map((f) => readFileSync(path.join(root, dir.name, f), 'utf8'));
        const shared = files.filter((t) => declared(t).length === 0).join('\n');
        for (const text of files) for (const name of declared(text)) out.set(name, `${text}\n${shared}`);
    }
    return out;
}

describe('docs/errors.md', () => {
    const errors = exportedErrors();

    it('exists', () => {
        expect(existsSync(DOC)).toBe(true);
    });

    const rows = existsSync(DOC) ? tableRows(readFileSync(DOC, 'utf8')) : [];
    const where = (r: Row) => `docs/errors.md:${r.line} ${r.constant}`;

    it('has a | code | decimal | constant | contract | meaning | table', () => {
        expect(rows.length).toBeGreaterThan(0);
    });

    it('lists every ERR_* of the generated wrappers, once', () => {
        const listed = rows.map((r) => r.constant);
        const missing = [...errors.keys()].filter((e) => !listed.includes(e)).sort();
        const duplicated = [...new Set(listed.filter((e, i) => listed.indexOf(e) !== i))];
        expect({ missing, duplicated }).toEqual({ missing: [], duplicated: [] });
    });

    it('lists nothing the wrappers do not export', () => {
        expect(rows.filter((r) => !errors.has(r.constant)).map(where)).toEqual([]);
    });

    it('gives each code in hex and decimal with the compiled value', () => {
        const wrong: string[] = [];
        for (const r of rows) {
            const value = errors.get(r.constant);
            if (value === undefined) continue;
            const hex = '0x' + value.toString(16).padStart(4, '0');
            if (!/^0x[0-9a-fA-F]{4,}$/.test(r.code) || BigInt(r.code) !== value)
                wrong.push(`${where(r)}: code "${r.code}", expected ${hex}`);
            if (r.decimal.replace(/[,_ ]/g, '') !== value.toString()) wrong.push(`${where(r)}: decimal "${r.decimal}", expected ${value}`);
        }
        expect(wrong).toEqual([]);
    });

    it('keeps the table in code order, without two constants on one code', () => {
        const codes = rows.filter((r) => errors.has(r.constant)).map((r) => errors.get(r.constant)!);
        expect(codes).toEqual([...codes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(new Set(codes).size).toBe(codes.length);
    });

    it('names in the contract column every contract that uses the constant', () => {
        const sources = contractSources();
        const wrong: string[] = [];
        for (const r of rows) {
            if (!errors.has(r.constant) || ANY_CONTRACT.test(r.contract)) continue;
            const users = [...sources].filter(([, text]) => new RegExp(`\\b${r.constant}\\b`).test(text)).map(([name]) => name);
            const named = [...sources.keys()].filter((name) => new RegExp(`\\b${name}\\b`, 'i').test(r.contract));
            if (users.some((u) => !named.includes(u)) || named.length === 0) {
                wrong.push(`${where(r)}: contract column "${r.contract}", used by ${users.join(', ') || 'no contract'}`);
            }
        }
        expect(wrong).toEqual([]);
    });

    it('explains every code', () => {
        expect(rows.filter((r) => r.meaning.length < 10).map(where)).toEqual([]);
    });

    it('documents no code that no contract throws', () => {
        const sources = [...contractSources().values()].join('\n');
        const unused = [...errors.keys()].filter((e) => !new RegExp(`\\b${e}\\b`).test(sources));
        expect(unused).toEqual([]);
    });
});
