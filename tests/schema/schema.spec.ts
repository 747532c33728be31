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
 *   reads back through the schema field by field with nothing left over, once with every optional
 *   field and map filled and once with them null or empty; so does the storage of a deployed Root,
 *   and of a Provider in each shape its storage takes (init data, registered, a check in flight,
 *   an active listed proxy), compared with what its getters return.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
    ABIField,
    ABIType,
    ABITypeRef,
    Address,
    beginCell,
    Builder,
    Cell,
    Dictionary,
    DictionaryValue,
    ExternalAddress,
    toNano,
} from '@ton/core';
import { keyPairFromSeed } from '@ton/crypto';
import { Blockchain, internal } from '@ton/sandbox';
import * as RootWrapper from '../../build/Root/tact_Root';
import { Root } from '../../build/Root/tact_Root';
import { Provider } from '../../build/Provider/tact_Provider';
import {
    ExtendedProvider,
    readProfileStack,
    Profile,
    proxyProfile,
    storeBindAttestation,
    signBindingClaim,
    workerProfile,
} from '../../wrappers/Provider';
import { Constructor, parseSchema, camelToSnake, snakeToPascal, STANDARD_TYPES, TlbReader, TlbRecord, Value } from '../../tools/schema/tlb';
import { DAY, deployEnvironment, HASHES } from '../fixtures/environment';

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
/** The Provider's storage as the getters see it: Provider$Data, its profile cell read as a Profile. */
abiTypes.set('ProviderStorage', {
    name: 'ProviderStorage',
    header: null,
    fields: abiTypes
        .get('Provider$Data')!
        .fields.map((f) => (f.name === 'profile' ? { name: f.name, type: { kind: 'simple', type: 'Profile', optional: true } } : f)),
});

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
        expect(projectStructs).toEqual(
            expect.arrayContaining(['Params', 'Proposal', 'ProxyEntry', 'Prices', 'Profile', 'Binding', 'PendingCheck', 'ProviderState']),
        );
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

        describe('a Provider', () => {
            const worker = workerProfile({
                gpuModel: 'NVIDIA H100 80GB HBM3',
                gpuCount: 8,
                vramGb: 80,
                onlineHoursPerDay: 24,
                region: 'eu-west',
                models: [HASHES.model],
            });
            const proxy = proxyProfile({
                onlineHoursPerDay: 24,
                region: 'eu-west',
                endpoint: 'https://proxy-7.example.org:8443',
                prices: { prompt: 10n, cached: 5n, completion: 20n, reasoning: 30n, workerFee: 8n },
            });
            const teeKey = keyPairFromSeed(Buffer.alloc(32, 7));

            /** The profile() getter's answer (readProfileStack says why not the generated getProfile()). */
            async function profileOf(blockchain: Blockchain, address: Address): Promise<Profile | null> {
                return readProfileStack((await blockchain.runGetMethod(address, 'profile')).stackReader);
            }

            /** Reads the Provider's account data as ProviderStorage and compares it with its getters. */
            async function expectStorageMatchesGetters(blockchain: Blockchain, provider: { address: Address }) {
                const account = await blockchain.getContract(provider.address);
                if (account.accountState?.type !== 'active') throw new Error('Provider is not active');
                const data = reader.readCell(account.accountState.state.data!, 'ProviderStorage').value;
                const p = blockchain.openContract(ExtendedProvider.fromAddress(provider.address));
                const { $$type: _t, checkPending, ...state } = await p.getState();
                const expected = {
                    ...state,
                    profile: await profileOf(blockchain, provider.address),
                    binding: await p.getBinding(),
                    pending: await p.getPendingCheck(),
                    rootView: await p.getRootView(),
                };
                expect(mismatches('ProviderStorage', expected, data)).toEqual([]);
                expect(data.pending !== null).toBe(checkPending);
                return expected;
            }

            it('reads its init data as ProviderInitData', async () => {
                const { root, stranger } = await deployEnvironment();
                const provider = await ExtendedProvider.forNode(root.address, stranger.address, 7n);
                expect(provider.address.equals(await root.getProviderAddress(stranger.address, 7n))).toBe(true);
                const initData = reader.readCell(provider.init!.data, 'ProviderInitData').value;
                expect(mismatches('ProviderInitData', { root: root.address, owner: stranger.address, nodeIndex: 7n }, initData)).toEqual(
                    [],
                );
            });

            it('reads a registered worker, a check in flight and an active listed proxy as ProviderStorage', async () => {
                const { blockchain, root, stranger } = await deployEnvironment();
                const owner = stranger.getSender();

                // a registered worker: profile set, no binding, nothing pending
                const w = blockchain.openContract(await ExtendedProvider.forNode(root.address, stranger.address, 7n));
                await w.sendRegister(owner, 'worker', worker);
                const registered = await expectStorageMatchesGetters(blockchain, w);
                expect([registered.status, registered.binding, registered.pending]).toEqual([1n, null, null]);

                // a proxy whose BindAttestation the Provider has handled and the Root not yet
                // answered: a PendingCheck holding the binding asked for
                const x = blockchain.openContract(await ExtendedProvider.forNode(root.address, stranger.address, 8n));
                await x.sendRegister(owner, 'proxy', proxy);
                const expiresAt = BigInt(blockchain.now! + 3 * DAY);
                const bind = beginCell()
                    .store(
                        storeBindAttestation({
                            $$type: 'BindAttestation',
                            queryId: 5n,
                            imageHash: HASHES.proxyImage,
                            attestationRoot: HASHES.root,
                            teeKey: BigInt('0x' + teeKey.publicKey.toString('hex')),
                            expiresAt,
                            signature: signBindingClaim(teeKey, x.address, HASHES.proxyImage, HASHES.root, expiresAt),
                        }),
                    )
                    .endCell();
                const steps = await blockchain.sendMessageIter(
                    internal({ from: stranger.address, to: x.address, value: toNano('1'), body: bind }),
                );
                const first = await steps.next();
                expect(first.done).toBe(false);
                const inFlight = await expectStorageMatchesGetters(blockchain, x);
                expect(inFlight.pending?.binding?.imageHash).toBe(HASHES.proxyImage);
                for (let r = await steps.next(); !r.done; r = await steps.next());

                // bound and staked: an active proxy, listed in the Root's directory
                await x.sendStake(owner, toNano('1000'));
                const active = await expectStorageMatchesGetters(blockchain, x);
                expect([active.status, active.listed, active.binding?.teeKey, active.pending]).toEqual([
                    2n,
                    true,
                    BigInt('0x' + teeKey.publicKey.toString('hex')),
                    null,
                ]);
            });
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
        const k = ++this.n;
        if (ref.kind === 'dict') {
            // Filled (two entries) or empty, with the optionals.
            const dict = Dictionary.empty(dictKey(ref, where), dictValue(ref, where));
            const topBit = 1n << BigInt(Number(ref.keyFormat ?? 257) - 1);
            const entry = (i: bigint): unknown => (ref.value === 'bool' ? i === 1n : i << BigInt(Number(ref.valueFormat ?? 257) - 2));
            if (!this.nulls) for (const i of [1n, 2n]) dict.set(topBit + BigInt(k) + i, entry(i));
            return dict;
        }
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
            case 'fixed-bytes':
                return Buffer.alloc(Number(ref.format), 0x80 + (k % 64));
            default:
                if (abiTypes.has(ref.type)) return this.struct(ref.type);
                throw new Error(`${where}: no sample for ABI type ${ref.type}`);
        }
    }
}

/** Dictionary key and value codecs for the map kinds the contracts use (sampling and comparing). */
function dictKey(ref: Extract<ABITypeRef, { kind: 'dict' }>, where: string) {
    if (ref.key === 'uint') return Dictionary.Keys.BigUint(Number(ref.keyFormat ?? 257));
    if (ref.key === 'int') return Dictionary.Keys.BigInt(Number(ref.keyFormat ?? 257));
    throw new Error(`${where}: no sample for maps keyed by ${ref.key}`);
}

function dictValue(ref: Extract<ABITypeRef, { kind: 'dict' }>, where: string): DictionaryValue<unknown> {
    if (ref.value === 'bool') return Dictionary.Values.Bool() as DictionaryValue<unknown>;
    if (ref.value === 'uint') return Dictionary.Values.BigUint(Number(ref.valueFormat ?? 257)) as DictionaryValue<unknown>;
    if (ref.value === 'int') return Dictionary.Values.BigInt(Number(ref.valueFormat ?? 257)) as DictionaryValue<unknown>;
    throw new Error(`${where}: no sample for maps of ${ref.value}`);
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
    if (tact instanceof Dictionary) {
        if (!(read instanceof Map)) return [`${where}: expected a dictionary, read ${show(read)}`];
        const wrote = new Map<bigint, unknown>((tact as Dictionary<bigint, unknown>).keys().map((k) => [BigInt(k), tact.get(k)]));
        const keys = [...new Set([...wrote.keys(), ...read.keys()])].sort((a, b) => (a < b ? -1 : 1));
        return keys.flatMap((k) => compareValue(`${where}[${k}]`, undefined, wrote.get(k) ?? null, read.get(k) ?? null));
    }
    if (Buffer.isBuffer(tact))
        return Buffer.isBuffer(read) && read.equals(tact) ? [] : [`${where}: wrote ${tact.toString('hex')}, read ${show(read)}`];
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
    if (Buffer.isBuffer(v)) return v.toString('hex');
    if (v instanceof Map) return `map of ${v.size}`;
    if (typeof v === 'bigint' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}
