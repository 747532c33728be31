/**
 * A small TL-B parser and cell reader, enough for contracts/schema.tlb.
 *
 * The parser understands the whole TL-B syntax at the level of declarations (constructor name and
 * tag, fields, implicit parameters, result type) so the standard block.tlb definitions at the top
 * of the schema parse too. The reader interprets the subset the Cocoon schema uses for its own
 * types: uintN, intN, bitsN, Bool, Coins/Grams/VarUInteger, MsgAddress*, Maybe X, HashmapE n X,
 * ^X, ^Cell, ^[ ... ] and the schema's own constructors. Standard types are read natively (through
 * @ton/core) rather than through their TL-B definitions, which need dependent types.
 *
 * Rejected alternative: a TL-B code generator (such as @ton-community/tlb-codegen). It would be a
 * new dependency for one check, and the generated readers would not tell which field disagrees.
 */
import { Address, Cell, Dictionary, DictionaryValue, ExternalAddress, Slice } from '@ton/core';

/** Types defined by block.tlb; the reader handles them natively and the checks skip them. */
export const STANDARD_TYPES = new Set([
    'Bool',
    'Maybe',
    'Unary',
    'HmLabel',
    'Hashmap',
    'HashmapNode',
    'HashmapE',
    'VarUInteger',
    'Grams',
    'Coins',
    'MsgAddressExt',
    'Anycast',
    'MsgAddressInt',
    'MsgAddress',
]);

export type TypeExpr =
    | { kind: 'name'; name: string; args: TypeExpr[] }
    | { kind: 'num'; value: number }
    | { kind: 'ref'; inner: TypeExpr }
    | { kind: 'cell'; fields: Field[] }
    | { kind: 'raw'; text: string };

export interface Field {
    /** null for an anonymous field (`_:T` or a bare type). */
    name: string | null;
    type: TypeExpr;
    text: string;
}

export type Tag = { kind: 'none' } | { kind: 'bits'; bits: string };

export interface Constructor {
    /** Constructor name; `_` when anonymous. */
    name: string;
    /** The tag as written: `#52100001`, `$10`, `#_`, `$_` or ''. */
    tagText: string;
    tag: Tag;
    /** The 32-bit opcode of a `name#xxxxxxxx` constructor, else null. */
    opcode: number | null;
    fields: Field[];
    /** Implicit parameters and constraints (`{n:#}`, `{ depth >= 1 }`), kept as text. */
    implicit: string[];
    /** Result type name (`ProposeParams`) and its parameters as text. */
    type: string;
    typeArgs: string;
    /** 1-based line of the declaration in the source. */
    line: number;
    /** The declaration on one line, whitespace collapsed, ending with `;`. */
    text: string;
}

export interface Schema {
    constructors: Constructor[];
    byType: Map<string, Constructor[]>;
}

export class TlbSyntaxError extends Error {}

/** Removes `//` and `/* *\/` comments, keeping line breaks so line numbers stay right. */
function stripComments(src: string): string {
    return src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

/** Splits at top-level whitespace (outside (), [], {}), keeping `=` as its own token. */
function splitTopLevel(text: string): string[] {
    const out: string[] = [];
    let depth = 0;
    let cur = '';
    const flush = () => {
        if (cur.length > 0) out.push(cur);
        cur = '';
    };
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (ch === '(' || ch === '[' || ch === '{') depth++;
        if (ch === ')' || ch === ']' || ch === '}') {
            depth--;
            if (depth < 0) throw new TlbSyntaxError(`unbalanced "${ch}" in "${text}"`);
        }
        if (depth === 0 && /\s/.test(ch)) {
            flush();
        } else if (depth === 0 && ch === '=' && text[i - 1] !== '<' && text[i - 1] !== '>' && text[i + 1] !== '=') {
            flush();
            out.push('=');
        } else {
            cur += ch;
        }
    }
    if (depth !== 0) throw new TlbSyntaxError(`unbalanced brackets in "${text}"`);
    flush();
    return out;
}

/** Whether `text` is one bracketed group from its first character to its last. */
function isWrapped(text: string, open: string, close: string): boolean {
    if (!text.startsWith(open) || !text.endsWith(close)) return false;
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
        if ('([{'.includes(text[i])) depth++;
        if (')]}'.includes(text[i])) depth--;
        if (depth === 0 && i < text.length - 1) return false;
    }
    return true;
}

export function parseType(text: string): TypeExpr {
    const t = text.trim();
    if (t.startsWith('^')) return { kind: 'ref', inner: parseType(t.slice(1)) };
    if (isWrapped(t, '[', ']')) return { kind: 'cell', fields: parseFields(t.slice(1, -1)).fields };
    if (/^\d+$/.test(t)) return { kind: 'num', value: Number(t) };
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return { kind: 'name', name: t, args: [] };
    if (isWrapped(t, '(', ')')) {
        const parts = splitTopLevel(t.slice(1, -1));
        if (parts.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(parts[0]) && !parts.includes('=')) {
            return { kind: 'name', name: parts[0], args: parts.slice(1).map(parseType) };
        }
    }
    return { kind: 'raw', text: t };
}

function parseFields(text: string): { fields: Field[]; implicit: string[] } {
    const fields: Field[] = [];
    const implicit: string[] = [];
    for (const tok of splitTopLevel(text)) {
        if (tok.startsWith('{')) {
            implicit.push(tok);
            continue;
        }
        const m = /^([A-Za-z_][A-Za-z0-9_]*):([\s\S]+)$/.exec(tok);
        if (m) {
            fields.push({ name: m[1] === '_' ? null : m[1], type: parseType(m[2]), text: tok });
        } else {
            fields.push({ name: null, type: parseType(tok), text: tok });
        }
    }
    return { fields, implicit };
}

function parseTag(tagText: string, where: string): { tag: Tag; opcode: number | null } {
    if (tagText === '' || tagText === '#_' || tagText === '$_') return { tag: { kind: 'none' }, opcode: null };
    let m = /^#([0-9a-fA-F]+)$/.exec(tagText);
    if (m) {
        const bits = m[1]
            .split('')
            .map((d) => parseInt(d, 16).toString(2).padStart(4, '0'))
            .join('');
        return { tag: { kind: 'bits', bits }, opcode: m[1].length === 8 ? parseInt(m[1], 16) : null };
    }
    m = /^\$([01]+)$/.exec(tagText);
    if (m) return { tag: { kind: 'bits', bits: m[1] }, opcode: null };
    throw new TlbSyntaxError(`${where}: bad tag "${tagText}"`);
}

/** Parses a TL-B source; throws TlbSyntaxError with the line of the first malformed declaration. */
export function parseSchema(src: string): Schema {
    const clean = stripComments(src);
    const constructors: Constructor[] = [];
    let offset = 0;
    for (const chunk of clean.split(';')) {
        const start = offset + (chunk.length - chunk.trimStart().length);
        offset += chunk.length + 1;
        const body = chunk.trim();
        if (body.length === 0) continue;
        const line = clean.slice(0, start).split('\n').length;
        const where = `schema line ${line}`;
        const tokens = splitTopLevel(body);
        const eq = tokens.indexOf('=');
        if (eq < 1 || eq === tokens.length - 1) throw new TlbSyntaxError(`${where}: expected "constructor fields = Type;", got "${body}"`);
        const head = /^([A-Za-z_][A-Za-z0-9_]*)?([#$][0-9a-fA-F_]*)?$/.exec(tokens[0]);
        if (!head || !head[1]) throw new TlbSyntaxError(`${where}: bad constructor "${tokens[0]}"`);
        const { tag, opcode } = parseTag(head[2] ?? '', where);
        const { fields, implicit } = parseFields(tokens.slice(1, eq).join(' '));
        const [type, ...typeArgs] = tokens.slice(eq + 1);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(type)) throw new TlbSyntaxError(`${where}: bad type name "${type}"`);
        constructors.push({
            name: head[1],
            tagText: head[2] ?? '',
            tag,
            opcode,
            fields,
            implicit,
            type,
            typeArgs: typeArgs.join(' '),
            line,
            text: body.replace(/\s+/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']') + ';',
        });
    }
    const byType = new Map<string, Constructor[]>();
    for (const c of constructors) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
    return { constructors, byType };
}

/** snake_case to PascalCase: propose_add_image -> ProposeAddImage. */
export function snakeToPascal(s: string): string {
    return s
        .split('_')
        .filter((p) => p.length > 0)
        .map((p) => p[0].toUpperCase() + p.slice(1))
        .join('');
}

/** camelCase to snake_case: attestationRoot -> attestation_root. */
export function camelToSnake(s: string): string {
    return s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export type Value = bigint | boolean | null | Address | ExternalAddress | Cell | Buffer | Value[] | Map<bigint, Value> | TlbRecord;
export interface TlbRecord {
    [field: string]: Value;
}

export class TlbReadError extends Error {}

function typeText(t: TypeExpr): string {
    switch (t.kind) {
        case 'name':
            return t.args.length === 0 ? t.name : `(${t.name} ${t.args.map(typeText).join(' ')})`;
        case 'num':
            return String(t.value);
        case 'ref':
            return '^' + typeText(t.inner);
        case 'cell':
            return `[${t.fields.map((f) => f.text).join(' ')}]`;
        case 'raw':
            return t.text;
    }
}

function numArg(t: TypeExpr | undefined, what: string): number {
    if (!t || t.kind !== 'num') throw new TlbReadError(`${what} needs a number argument`);
    return t.value;
}

function expectEnd(s: Slice, path: string) {
    if (s.remainingBits !== 0 || s.remainingRefs !== 0) {
        throw new TlbReadError(`${path}: ${s.remainingBits} bits and ${s.remainingRefs} refs left over after reading`);
    }
}

/** Reads cells according to a parsed schema. Values: integers as bigint, Bool as boolean,
 *  addresses as Address / ExternalAddress / null (addr_none), ^Cell as Cell, HashmapE as Map. */
export class TlbReader {
    constructor(private readonly schema: Schema) {}

    /** Reads a whole cell as `type`; the cell must be consumed exactly. */
    readCell(cell: Cell, type: string): { constructor: Constructor; value: TlbRecord } {
        const s = cell.beginParse();
        const out = this.readConstructor(s, type, type);
        expectEnd(s, type);
        return out;
    }

    private readConstructor(s: Slice, type: string, path: string): { constructor: Constructor; value: TlbRecord } {
        const candidates = this.schema.byType.get(type);
        if (!candidates) throw new TlbReadError(`${path}: type ${type} is not defined in the schema`);
        for (const c of candidates) {
            const bits = c.tag.kind === 'bits' ? c.tag.bits : '';
            if (s.remainingBits < bits.length) continue;
            const peek = bits.length === 0 ? '' : s.preloadUintBig(bits.length).toString(2).padStart(bits.length, '0');
            if (peek !== bits) continue;
            s.skip(bits.length);
            return { constructor: c, value: this.readFields(s, c.fields, `${path}(${c.name})`) };
        }
        throw new TlbReadError(`${path}: no constructor of ${type} matches the next bits`);
    }

    private readFields(s: Slice, fields: Field[], path: string): TlbRecord {
        const out: TlbRecord = {};
        for (const f of fields) {
            const v = this.readType(s, f.type, `${path}.${f.name ?? '_'}`);
            if (f.name !== null) {
                out[f.name] = v;
            } else if (v !== null && typeof v === 'object' && !(v instanceof Cell) && !(v instanceof Address) && !Buffer.isBuffer(v)) {
                // An anonymous sub-cell or struct: its fields belong to the enclosing constructor.
                Object.assign(out, v);
            } else {
                out['_'] = v;
            }
        }
        return out;
    }

    private readType(s: Slice, t: TypeExpr, path: string): Value {
        try {
            return this.readTypeUnchecked(s, t, path);
        } catch (e) {
            if (e instanceof TlbReadError) throw e;
            throw new TlbReadError(`${path} (${typeText(t)}): ${(e as Error).message}`);
        }
    }

    private readTypeUnchecked(s: Slice, t: TypeExpr, path: string): Value {
        if (t.kind === 'ref') {
            const cell = s.loadRef();
            if (t.inner.kind === 'name' && (t.inner.name === 'Cell' || t.inner.name === 'Any')) return cell;
            const rs = cell.beginParse();
            const v = t.inner.kind === 'cell' ? this.readFields(rs, t.inner.fields, path) : this.readType(rs, t.inner, path);
            expectEnd(rs, path);
            return v;
        }
        if (t.kind !== 'name') throw new TlbReadError(`${path}: cannot read ${typeText(t)}`);
        const n = t.name;
        let m: RegExpExecArray | null;
        if ((m = /^uint(\d+)$/.exec(n))) return s.loadUintBig(Number(m[1]));
        if ((m = /^int(\d+)$/.exec(n))) return s.loadIntBig(Number(m[1]));
        if ((m = /^bits(\d+)$/.exec(n))) return s.loadBuffer(Number(m[1]) / 8);
        switch (n) {
            case 'Bool':
            case 'Bit':
                return s.loadBit();
            case 'Coins':
            case 'Grams':
                return s.loadCoins();
            case 'VarUInteger': {
                const lenBits = Math.ceil(Math.log2(numArg(t.args[0], 'VarUInteger')));
                return s.loadVarUintBig(lenBits);
            }
            case 'MsgAddress':
                return s.loadAddressAny();
            case 'MsgAddressInt':
                return s.loadAddress();
            case 'MsgAddressExt':
                return s.loadMaybeExternalAddress();
            case 'Maybe':
                if (t.args.length !== 1) throw new TlbReadError(`${path}: Maybe takes one argument`);
                return s.loadBit() ? this.readType(s, t.args[0], path) : null;
            case 'HashmapE': {
                const keyBits = numArg(t.args[0], 'HashmapE');
                const valueType = t.args[1];
                if (!valueType) throw new TlbReadError(`${path}: HashmapE needs a value type`);
                const values: DictionaryValue<Value> = {
                    serialize: () => {
                        throw new Error('read only');
                    },
                    parse: (vs) => {
                        const v = this.readType(vs, valueType, `${path}[]`);
                        expectEnd(vs, `${path}[]`);
                        return v;
                    },
                };
                const dict = Dictionary.load(Dictionary.Keys.BigUint(keyBits), values, s);
                return new Map(dict.keys().map((k) => [k, dict.get(k)!]));
            }
        }
        if (t.args.length === 0 && this.schema.byType.has(n)) return this.readConstructor(s, n, path).value;
        throw new TlbReadError(`${path}: the reader does not know type ${typeText(t)}`);
    }
}
