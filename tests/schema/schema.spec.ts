/**
 * contracts/schema.tlb against the compiled contracts.
 *
 * Naming rule (also stated at the top of the schema): a constructor is the Tact name in
 * snake_case and its type is the Tact name, so snakeToPascal(constructor) === type === Tact name;
 * fields are the Tact fields in snake_case. Contract storage is described by `<Contract>Storage`
 * (after the first message) and `<Contract>InitData` (the init() arguments before it).
 *
 * What is checked:
 * - every `name#xxxxxxxx` tag is the opcode of the compiled message of that name, in Root.opcodes,
 *   Provider.opcodes and the ABI `types` headers alike;
 * - every message with a header in the compiled ABIs, and every struct declared in contracts/, is in
 *   the schema once, and the schema has nothing else besides the standard types and storage;
 * - the layout: a sample of every message and struct, written by the generated store* function,
 *   reads back through the schema field by field with nothing left over; so does the storage of a
 *   deployed Root and Provider.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ABIField, ABIType, ABITypeRef, Address, beginCell, Builder, Cell, ExternalAddress, toNano } from '@ton/core';
import * as RootWrapper from '../../build/Root/tact_Root';
import { Root } from '../../build/Root/tact_Root';
import { Provider } from '../../build/Provider/tact_Provider';
import { Constructor, parseSchema, camelToSnake, snakeToPascal, STANDARD_TYPES, TlbReader, TlbRecord, Value } from '../../tools/schema/tlb';
import { deployEnvironment } from '../fixtures/environment';

const REPO = path.resolve(__dirname, '../..');
const SCHEMA_PATH = path.join(REPO, 'contracts/schema.tlb');
const schema = parseSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const reader = new TlbReader(schema);

const someAddress = new Address(0, Buffer.alloc(32, 1));
const abis: { contract: string; types: ABIType[]; opcodes: Record<string, number> }[] = [
    { contract: 'Root', types: Root.fromAddress(someAddress).abi.types ?? [], opcodes: Root.opcodes },
    { contract: 'Provider', types: Provider.fromAddress(someAddress).abi.types ?? [], opcodes: Provider.opcodes },
];

/** Compiled messages: name -> opcode, from every ABI (they must agree with each other). */
const compiledMessages = new Map<string, number>();
for (const abi of abis) {
    for (const t of abi.types) {
        if (t.header === null || t.header === undefined) continue;
        const seen = compiledMessages.get(t.name);
        if (seen !== undefined && seen !== t.header) {
            throw new Error(`${t.name} has opcode 0x${seen.toString(16)} in one ABI and 0x${t.header.toString(16)} in ${abi.contract}'s`);
        }
        compiledMessages.set(t.name, t.header);
    }
}

/** ABI type descriptions by name, Root's ABI first (it includes Provider's types). */
const abiTypes = new Map<string, ABIType>();
for (const abi of abis) for (const t of abi.types) if (!abiTypes.has(t.name)) abiTypes.set(t.name, t);

function tactFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? tactFiles(path.join(dir, e.name)) : e.name.endsWith('.tact') ? [path.join(dir, e.name)] : [],
    );
}
const tactSources = tactFiles(path.join(REPO, 'contracts')).map((f) => readFileSync(f, 'utf8'));
const projectStructs = tactSources.flatMap((s) => [...s.matchAll(/^\s*struct\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]));
const projectContracts = tactSources.flatMap((s) => [...s.matchAll(/^\s*contract\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]));
const storageTypes = projectContracts.flatMap((c) => [`${c}Storage`, `${c}InitData`]);

const ours: Constructor[] = schema.constructors.filter((c) => !STANDARD_TYPES.has(c.type));
const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

describe('contracts/schema.tlb', () => {
    it('finds the compiled messages, structs and contracts it checks against', () => {
        expect(compiledMessages.size).toBeGreaterThan(30);
        expect(projectStructs).toEqual(expect.arrayContaining(['Params', 'Proposal', 'ProxyEntry', 'ProviderIdentity']));
        expect(projectContracts.sort()).toEqual(['Provider', 'Root']);
    });

    it('names every constructor after its type (snake_case of the Tact name)', () => {
        const bad = ours.filter((c) => snakeToPascal(c.name) !== c.type).map((c) => `line ${c.line}: ${c.name} = ${c.type}`);
        expect(bad).toEqual([]);
    });

    it('defines each type once', () => {
        const dup = [...new Set(ours.map((c) => c.type))].filter((t) => ours.filter((c) => c.type === t).length > 1);
        expect(dup).toEqual([]);
    });

    it('tags every message with the opcode of the compiled message of the same name', () => {
        const wrong: string[] = [];
        for (const c of ours) {
            const compiled = compiledMessages.get(c.type);
            if (compiled === undefined) {
                if (c.tag.kind === 'bits' && c.tag.bits.length === 32)
                    wrong.push(`line ${c.line}: ${c.name}${c.tagText} has an opcode but ${c.type} is no compiled message`);
                continue;
            }
            if (c.opcode === null) wrong.push(`line ${c.line}: ${c.name} needs the tag #${compiled.toString(16)}`);
            else if (c.opcode !== compiled)
                wrong.push(`line ${c.line}: ${c.name} has tag ${hex(c.opcode)}, compiled ${c.type} has ${hex(compiled)}`);
            for (const abi of abis) {
                const op = abi.opcodes[c.type];
                if (op !== undefined && op !== c.opcode)
                    wrong.push(`${abi.contract}.opcodes.${c.type} is ${hex(op)}, schema has ${c.tagText}`);
            }
        }
        expect(wrong).toEqual([]);
    });

    it('lists every compiled message, every struct and the storage of every contract, and nothing else', () => {
        const inSchema = new Set(ours.map((c) => c.type));
        const expected = new Set([...compiledMessages.keys(), ...projectStructs, ...storageTypes]);
        expect({ missing: [...expected].filter((t) => !inSchema.has(t)).sort() }).toEqual({ missing: [] });
        expect({ extra: [...inSchema].filter((t) => !expected.has(t)).sort() }).toEqual({ extra: [] });
    });

    describe('layout: generated store* output reads back through the schema', () => {
        const serialisable = [...compiledMessages.keys(), ...projectStructs];
        for (const variant of ['optionals set', 'optionals null'] as const) {
            it.each(serialisable)(`%s (${variant})`, (name) => {
                const sample = new Samples(variant === 'optionals null').struct(name);
                const store = (RootWrapper as unknown as Record<string, unknown>)[`store${name}`];
                if (typeof store !== 'function') throw new Error(`build/Root/tact_Root.ts exports no store${name}`);
                const cell = beginCell()
                    .store((store as (src: unknown) => (b: Builder) => void)(sample))
                    .endCell();
                const { value } = reader.readCell(cell, name);
                expect(mismatches(name, sample, value)).toEqual([]);
            });
        }
    });

    describe('layout: contract storage', () => {
        it('reads a Root before and after its first message as RootInitData and RootStorage', async () => {
            const { blockchain, root, init } = await deployEnvironment();
            const initData = reader.readCell(root.init!.data, 'RootInitData').value;
            expect(
                mismatches(
                    'RootInitData',
                    { governance: init.governance, guardian: init.guardian, isTest: init.isTest, nonce: init.nonce },
                    initData,
                    true,
                ),
            ).toEqual([]);
            expect((initData.images as Map<bigint, Value>).size).toBe(init.images.size);

            const account = await blockchain.getContract(root.address);
            if (account.accountState?.type !== 'active') throw new Error('Root is not active after deploy');
            const data = reader.readCell(account.accountState.state.data!, 'RootStorage').value;
            const state = await root.getState();
            const { $$type: _t, ...scalars } = state;
            expect(mismatches('RootStorage', { ...scalars, nonce: init.nonce }, data, true)).toEqual([]);
            expect((data.attestation_roots as Map<bigint, Value>).size).toBe(Number(state.attestationRootCount));
            expect((data.images as Map<bigint, Value>).size).toBe(Number(state.imageCount));
            expect((data.models as Map<bigint, Value>).size).toBe(Number(state.modelCount));
        });

        it('reads a Provider before and after registration as ProviderInitData and ProviderStorage', async () => {
            const { blockchain, root, stranger } = await deployEnvironment();
            const provider = blockchain.openContract(await Provider.fromInit(root.address, stranger.address, 7n));
            expect(provider.address.equals(await root.getProviderAddress(stranger.address, 7n))).toBe(true);
            const initData = reader.readCell(provider.init!.data, 'ProviderInitData').value;
            expect(mismatches('ProviderInitData', { root: root.address, owner: stranger.address, nodeIndex: 7n }, initData, true)).toEqual(
                [],
            );

            await provider.send(
                stranger.getSender(),
                { value: toNano('0.1') },
                { $$type: 'RegisterProvider', queryId: 0n, role: RootWrapper.ROLE_PROXY },
            );
            const account = await blockchain.getContract(provider.address);
            if (account.accountState?.type !== 'active') throw new Error('Provider is not active after registration');
            const data = reader.readCell(account.accountState.state.data!, 'ProviderStorage').value;
            const { $$type: _t, ...identity } = await provider.getIdentity();
            expect(mismatches('ProviderStorage', identity, data)).toEqual([]);
        });
    });
});

/** Deterministic sample values for ABI types; every integer uses its top bit so widths show. */
class Samples {
    private n = 0;
    constructor(private readonly nulls: boolean) {}

    struct(name: string): Record<string, unknown> {
        const t = abiTypes.get(name);
        if (!t) throw new Error(`no ABI type ${name}`);
        const out: Record<string, unknown> = { $$type: name };
        for (const f of t.fields) out[f.name] = this.value(f.type, `${name}.${f.name}`);
        return out;
    }

    value(ref: ABITypeRef, where: string): unknown {
        if (ref.kind !== 'simple') throw new Error(`${where}: maps are not sampled`);
        const k = ++this.n;
        if (ref.optional && this.nulls) return null;
        switch (ref.type) {
            case 'uint': {
                if (ref.format === 'coins') return toNano('1.5') + BigInt(k);
                const bits = BigInt(ref.format ?? 257);
                return (1n << (bits - 1n)) + BigInt(k % 64);
            }
            case 'int':
                return -(1n << BigInt(Number(ref.format ?? 257) - 2)) - BigInt(k);
            case 'bool':
                return k % 2 === 1;
            case 'address':
                return new Address(0, Buffer.alloc(32, k));
            case 'string':
                return `https://proxy-${k}.example.org:8443`;
            case 'cell':
                return beginCell().storeUint(0xc0ffee, 24).storeUint(k, 8).endCell();
            default:
                if (abiTypes.has(ref.type)) return this.struct(ref.type);
                throw new Error(`${where}: no sample for ABI type ${ref.type}`);
        }
    }
}

/**
 * Differences between a Tact value (camelCase fields, ABI types) and what the schema read
 * (snake_case fields). With `partial`, only the Tact fields given are compared; otherwise the
 * field sets must be equal too.
 */
function mismatches(typeName: string, tact: Record<string, unknown>, read: TlbRecord, partial = false): string[] {
    const t = abiTypes.get(typeName);
    const fieldTypes = new Map<string, ABIField['type'] | undefined>(t ? t.fields.map((f) => [f.name, f.type]) : []);
    const out: string[] = [];
    const given = Object.keys(tact).filter((k) => k !== '$$type');
    for (const k of given) {
        const snake = camelToSnake(k);
        if (!(snake in read)) {
            out.push(`${typeName}.${snake}: not in the schema`);
            continue;
        }
        out.push(...compareValue(`${typeName}.${snake}`, fieldTypes.get(k), tact[k], read[snake]));
    }
    if (!partial) {
        const expected = new Set(given.map(camelToSnake));
        for (const k of Object.keys(read)) if (!expected.has(k)) out.push(`${typeName}.${k}: in the schema, not in the Tact type`);
    }
    return out;
}

function compareValue(where: string, ref: ABITypeRef | undefined, tact: unknown, read: Value | undefined): string[] {
    if (ref?.kind === 'simple' && abiTypes.has(ref.type) && tact !== null) {
        if (read === null || typeof read !== 'object' || read instanceof Cell || read instanceof Address)
            return [`${where}: expected a ${ref.type}`];
        return mismatches(ref.type, tact as Record<string, unknown>, read as TlbRecord).map((m) => `${where} > ${m}`);
    }
    if (ref?.kind === 'simple' && ref.type === 'string') {
        if (!(read instanceof Cell)) return [`${where}: expected a cell holding the string`];
        const s = read.beginParse().loadStringTail();
        return s === tact ? [] : [`${where}: wrote ${JSON.stringify(tact)}, read ${JSON.stringify(s)}`];
    }
    if (tact === null || tact === undefined) return read === null ? [] : [`${where}: wrote null, read ${show(read)}`];
    if (tact instanceof Address) {
        return read instanceof Address && read.equals(tact) ? [] : [`${where}: wrote ${tact.toRawString()}, read ${show(read)}`];
    }
    if (tact instanceof Cell)
        return read instanceof Cell && read.equals(tact) ? [] : [`${where}: wrote cell ${tact.hash().toString('hex')}, read ${show(read)}`];
    if (typeof tact === 'bigint' || typeof tact === 'boolean') return read === tact ? [] : [`${where}: wrote ${tact}, read ${show(read)}`];
    return [`${where}: cannot compare ${typeof tact}`];
}

function show(v: Value | undefined): string {
    if (v instanceof Address) return v.toRawString();
    if (v instanceof ExternalAddress) return v.toString();
    if (v instanceof Cell) return `cell ${v.hash().toString('hex')}`;
    if (typeof v === 'bigint' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}
