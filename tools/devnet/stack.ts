/**
 * TVM stacks as the toncenter v2 API writes and reads them.
 *
 * Output follows tonlib (which toncenter runs get methods through) and toncenter's rendering of
 * tonlib's answer, rule for rule, because clients are written against that and nothing else:
 * - an integer is `["num", "0x1f"]` at the top level (hex, `-0x..` when negative) and
 *   `tvm.stackEntryNumber` with a decimal string inside tuples;
 * - a cell and a slice both become a cell (tonlib turns a slice into a cell of its remaining bits
 *   and references): `["cell", {bytes, object}]`, inside tuples `tvm.stackEntryCell`;
 * - null and any tuple that has the shape of a TVM list (a pair whose second item is again a list,
 *   ending in null) become a `list` of the list's items; null is the empty list;
 * - other tuples become a `tuple` of their items;
 * - anything else (a builder, a continuation) is `unsupported`.
 * The list rule loses information: a two-item tuple whose second item is null reads back as a
 * one-item list. That is what the real API does, and docs/devnet.md says so; scripts/lib/reader.ts
 * is how this repository's scripts read struct getters over this API without losing anything.
 *
 * Input (the `stack` parameter of runGetMethod) accepts the forms @ton/ton's TonClient and
 * toncenter's documentation use: `["num", 3]`, `["num", "0x3"]`, `["num", "-7"]`,
 * `["tvm.Cell" | "cell", base64 | {bytes}]`, `["tvm.Slice" | "slice", ...]`,
 * `["tvm.Builder" | "builder", ...]`.
 */
import { Cell, TupleItem } from '@ton/core';
import { DevnetError } from './errors';

type TonlibEntry =
    | { '@type': 'tvm.stackEntryNumber'; number: { '@type': 'tvm.numberDecimal'; number: string } }
    | { '@type': 'tvm.stackEntryCell'; cell: { '@type': 'tvm.cell'; bytes: string } }
    | { '@type': 'tvm.stackEntryTuple'; tuple: { '@type': 'tvm.tuple'; elements: TonlibEntry[] } }
    | { '@type': 'tvm.stackEntryList'; list: { '@type': 'tvm.list'; elements: TonlibEntry[] } }
    | { '@type': 'tvm.stackEntryUnsupported' };

/** tonlib's is_list: null, or a pair whose second item is a list. */
function isList(item: TupleItem): boolean {
    let node = item;
    for (;;) {
        if (node.type === 'null') return true;
        if (node.type !== 'tuple' || node.items.length !== 2) return false;
        node = node.items[1];
    }
}

function listItems(item: TupleItem): TupleItem[] {
    const out: TupleItem[] = [];
    let node = item;
    while (node.type === 'tuple') {
        out.push(node.items[0]);
        node = node.items[1];
    }
    return out;
}

function toTonlib(item: TupleItem): TonlibEntry {
    switch (item.type) {
        case 'int':
            return { '@type': 'tvm.stackEntryNumber', number: { '@type': 'tvm.numberDecimal', number: item.value.toString() } };
        case 'cell':
        case 'slice':
            // A slice item already holds a cell of just the slice's remaining bits and references,
            // which is what tonlib sends for a slice.
            return { '@type': 'tvm.stackEntryCell', cell: { '@type': 'tvm.cell', bytes: boc(item.cell) } };
        case 'null':
        case 'tuple':
            if (isList(item)) {
                return { '@type': 'tvm.stackEntryList', list: { '@type': 'tvm.list', elements: listItems(item).map(toTonlib) } };
            }
            return {
                '@type': 'tvm.stackEntryTuple',
                tuple: { '@type': 'tvm.tuple', elements: (item as { items: TupleItem[] }).items.map(toTonlib) },
            };
        default:
            return { '@type': 'tvm.stackEntryUnsupported' };
    }
}

function boc(cell: Cell): string {
    return cell.toBoc({ idx: false, crc32: true }).toString('base64');
}

/** The cell as toncenter's "object" form: data as base64 with its bit length, refs, special flag. */
export function cellObject(cell: Cell): unknown {
    const bits = cell.bits;
    const bytes = Buffer.alloc(Math.ceil(bits.length / 8));
    for (let i = 0; i < bits.length; i++) {
        if (bits.at(i)) bytes[i >> 3] |= 0x80 >> (i & 7);
    }
    return {
        data: { b64: bytes.toString('base64'), len: bits.length },
        refs: cell.refs.map(cellObject),
        special: cell.isExotic,
    };
}

function hexInt(v: bigint): string {
    return v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
}

/** A get method's result stack, top-level entries in toncenter's `[type, value]` form. */
export function renderStack(items: TupleItem[]): unknown[] {
    return items.map((item) => {
        const entry = toTonlib(item);
        switch (entry['@type']) {
            case 'tvm.stackEntryNumber':
                return ['num', hexInt(BigInt(entry.number.number))];
            case 'tvm.stackEntryCell': {
                const cell = Cell.fromBase64(entry.cell.bytes);
                return ['cell', { bytes: entry.cell.bytes, object: cellObject(cell) }];
            }
            case 'tvm.stackEntryTuple':
                return ['tuple', entry.tuple];
            case 'tvm.stackEntryList':
                return ['list', entry.list];
            default:
                return ['unsupported', {}];
        }
    });
}

function parseInt257(raw: unknown, index: number): bigint {
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) return BigInt(raw);
    if (typeof raw === 'string') {
        const s = raw.trim();
        const m = /^(-?)(0x[0-9a-fA-F]+|[0-9]+)$/.exec(s);
        if (m) {
            const v = BigInt(m[2]);
            return m[1] ? -v : v;
        }
    }
    throw new DevnetError(
        422,
        `Validation error: stack entry ${index}: "num" wants an integer (decimal or 0x hex), got ${JSON.stringify(raw)}`,
    );
}

function parseCellValue(raw: unknown, index: number, kind: string): Cell {
    const b64 = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null ? (raw as { bytes?: unknown }).bytes : undefined;
    if (typeof b64 !== 'string') {
        throw new DevnetError(422, `Validation error: stack entry ${index}: "${kind}" wants a base64 bag of cells`);
    }
    try {
        const cells = Cell.fromBoc(Buffer.from(b64, 'base64'));
        if (cells.length !== 1) throw new Error('bag of cells is expected to have exactly one root');
        return cells[0];
    } catch (e) {
        throw new DevnetError(500, `INVALID_BAG_OF_CELLS: stack entry ${index}: ${(e as Error).message}`);
    }
}

/** The runGetMethod `stack` parameter, as TupleItems; a 422 error names the bad entry. */
export function parseStackParam(raw: unknown): TupleItem[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new DevnetError(422, 'Validation error: "stack" must be an array of [type, value] pairs');
    return raw.map((entry, index): TupleItem => {
        if (!Array.isArray(entry) || entry.length < 1 || typeof entry[0] !== 'string') {
            throw new DevnetError(422, `Validation error: stack entry ${index} must be a [type, value] pair`);
        }
        const [type, value] = entry as [string, unknown];
        switch (type) {
            case 'num':
            case 'number':
            case 'int':
                return { type: 'int', value: parseInt257(value, index) };
            case 'tvm.Cell':
            case 'cell':
                return { type: 'cell', cell: parseCellValue(value, index, type) };
            case 'tvm.Slice':
            case 'slice':
                return { type: 'slice', cell: parseCellValue(value, index, type) };
            case 'tvm.Builder':
            case 'builder':
                return { type: 'builder', cell: parseCellValue(value, index, type) };
            case 'null':
                return { type: 'null' };
            default:
                throw new DevnetError(422, `Validation error: stack entry ${index}: unsupported type "${type}"`);
        }
    });
}
