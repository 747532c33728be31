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
 *   Provider.opcodes, Escrow.opcodes, PayoutAccount.opcodes and the ABI `types` headers alike;
 * - every message with a header in the compiled ABIs, and every struct declared in contracts/, is in
 *   the schema once, and the schema has nothing else besides the standard types and storage;
 * - the layout: a sample of every message and struct, written by the generated store* function,
 *   reads back through the schema field by field with nothing left over, once with every optional
 *   field and map filled and once with them null or empty (a Tact Cell the schema writes ^T holds a
 *   sample T: CELL_HOLDS); so does the storage of a deployed Root, of a Provider in each shape its
 *   storage takes (init data, registered, a check in flight, an active listed proxy, a pool that
 *   has settled and paid, after a rebind), of an Escrow (init data, opening, open, charged,
 *   closing, closed) and of a PayoutAccount (init data, after a payout, after a final one), each
 *   compared with what the contract's getters return; and so does every message body the
 *   contracts send in those flows, compared with what the generated loader reads.
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
    Slice,
    toNano,
} from '@ton/core';
import { keyPairFromSeed } from '@ton/crypto';
import { Blockchain, internal, SendMessageResult } from '@ton/sandbox';
import * as RootWrapper from '../../build/Root/tact_Root';
import { Root } from '../../build/Root/tact_Root';
import { Provider } from '../../build/Provider/tact_Provider';
import { Escrow } from '../../build/Provider/tact_Escrow';
import { PayoutAccount } from '../../build/Provider/tact_PayoutAccount';
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
import { ESCROW_CLOSED, ESCROW_CLOSING, ESCROW_OPEN, ESCROW_OPENING, OPEN_OVERHEAD, storeOpenEscrow } from '../../wrappers/Escrow';
import { DAY, deployEnvironment, Env, HASHES } from '../fixtures/environment';
import {
    activeProxy,
    charge,
    client,
    DEMAND,
    DEPOSIT,
    EscrowContract,
    escrowOf,
    openEscrow,
    payout,
    payoutAccountOf,
    PayoutContract,
    RESERVE,
} from '../escrow/helpers';
import { bind as bindNode, publicKeyInt, stepwise, teeKey as providerTeeKey } from '../helpers/provider';
import { plain } from '../helpers/root';

const REPO = path.resolve(__dirname, '../..');
const SCHEMA_PATH = path.join(REPO, 'contracts/schema.tlb');
const schema = parseSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const reader = new TlbReader(schema);

const someAddress = new Address(0, Buffer.alloc(32, 1));
const abis: { contract: string; types: ABIType[]; opcodes: Record<string, number> }[] = [
    { contract: 'Root', types: Root.fromAddress(someAddress).abi.types ?? [], opcodes: Root.opcodes },
    { contract: 'Provider', types: Provider.fromAddress(someAddress).abi.types ?? [], opcodes: Provider.opcodes },
    { contract: 'Escrow', types: Escrow.fromAddress(someAddress).abi.types ?? [], opcodes: Escrow.opcodes },
    { contract: 'PayoutAccount', types: PayoutAccount.fromAddress(someAddress).abi.types ?? [], opcodes: PayoutAccount.opcodes },
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

/** ABI type descriptions by name, Root's ABI first (it includes every other contract's types). */
const abiTypes = new Map<string, ABIType>();
for (const abi of abis) for (const t of abi.types) if (!abiTypes.has(t.name)) abiTypes.set(t.name, t);
/** A contract's storage after its first message, as the ABI describes it: <Contract>$Data. */
for (const c of ['Provider', 'Escrow', 'PayoutAccount']) {
    const data = abiTypes.get(`${c}$Data`);
    if (!data) throw new Error(`no ${c}$Data in the compiled ABIs`);
    abiTypes.set(`${c}Storage`, { ...data, name: `${c}Storage` });
}
/** The Escrow's init data, typed by its init() arguments as the compiled package lists them. */
const escrowPackage = JSON.parse(readFileSync(path.join(REPO, 'build/Provider/tact_Escrow.pkg'), 'utf8')) as { init: { args: ABIField[] } };
abiTypes.set('EscrowInitData', { name: 'EscrowInitData', header: null, fields: escrowPackage.init.args });
/** The parties cell the PayoutAccount's init() writes: the parties() getter's fields. (The Escrow's is an EscrowIdentity.) */
abiTypes.set('PayoutAccountStorage.parties', {
    name: 'PayoutAccountStorage.parties',
    header: null,
    fields: abiTypes.get('PayoutParties')!.fields,
});

/**
 * Tact `Cell` fields that hold a known type, which the schema writes ^T (Maybe ^T when optional):
 * their samples are a T written by the generated store function, and a cell compared with what
 * the schema read is decoded by the generated load function first.
 */
const CELL_HOLDS: Record<string, string> = {
    'SubmitCharge.voucher': 'Voucher',
    'SubmitPayout.voucher': 'Voucher',
    'ProviderCold.profile': 'Profile',
    'ProviderStorage.keys': 'SettlementKeys',
    'ProviderStorage.cold': 'ProviderCold',
    'ProviderCold.payees': 'Payees',
    'SubmitEvidence.a': 'SignedVoucher',
    'SubmitEvidence.b': 'SignedVoucher',
    'SignedVoucher.voucher': 'Voucher',
    'EscrowStorage.parties': 'EscrowIdentity',
    'EscrowInitData.parties': 'EscrowIdentity',
    'ChargeSettled.parties': 'EscrowIdentity',
    'PayoutAccountStorage.parties': 'PayoutAccountStorage.parties',
};

/** A field's type as the schema sees it: a cell in CELL_HOLDS as the type it holds. */
function fieldType(typeName: string, field: ABIField): ABITypeRef {
    const holds = CELL_HOLDS[`${typeName}.${field.name}`];
    if (holds === undefined) return field.type;
    if (field.type.kind !== 'simple' || field.type.type !== 'cell') throw new Error(`${typeName}.${field.name} is no Cell`);
    return { kind: 'simple', type: holds, optional: field.type.optional };
}

/** A generated store or load function of build/Root/tact_Root.ts (it has every contract's types). */
function generated<F>(kind: 'store' | 'load', name: string): F {
    const f = (RootWrapper as unknown as Record<string, unknown>)[`${kind}${name}`];
    if (typeof f !== 'function') throw new Error(`build/Root/tact_Root.ts exports no ${kind}${name}`);
    return f as F;
}

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
            expect.arrayContaining([
                'Params',
                'Proposal',
                'ProxyEntry',
                'Prices',
                'Profile',
                'Binding',
                'PendingCheck',
                'ProviderState',
                'ProviderCold',
                'SettlementKeys',
                'EscrowIdentity',
                'PoolState',
                'Voucher',
                'DemandProfile',
                'EscrowState',
                'EscrowParties',
                'PayoutState',
                'PayoutParties',
            ]),
        );
        expect(projectContracts.sort()).toEqual(['Escrow', 'PayoutAccount', 'Provider', 'Root']);
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
                const cell = beginCell().store(generated<(src: unknown) => (b: Builder) => void>('store', name)(sample)).endCell();
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

            const data = await storageOf(blockchain, root.address, 'RootStorage');
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

            /**
             * Reads the Provider's account data as ProviderStorage and compares it, hot cell, keys
             * and cold cell, with its getters. clientCloseDelay has no getter: it is compared with
             * the Root's parameters, which every Provider here has heard.
             */
            async function expectStorageMatchesGetters(env: Env, provider: { address: Address }) {
                const { blockchain } = env;
                const data = await storageOf(blockchain, provider.address, 'ProviderStorage');
                const p = blockchain.openContract(ExtendedProvider.fromAddress(provider.address));
                const { $$type: _t, checkPending, owner, nodeIndex, slashes, ...state } = await p.getState();
                const { $$type: _p, teeKey: key, prevTeeKey, prevKeyUntil, tokensServed, settlements, ...pool } = await p.getPoolState();
                // Both getters read these from the hot cell.
                expect([tokensServed, settlements]).toEqual([state.tokensServed, state.settlements]);
                const params = await env.root.getParams();
                const expected = {
                    ...state,
                    ...pool,
                    keys: { teeKey: key, prevTeeKey, prevKeyUntil },
                    cold: {
                        owner,
                        nodeIndex,
                        profile: await profileOf(blockchain, provider.address),
                        binding: await p.getBinding(),
                        pending: await p.getPendingCheck(),
                        rootView: await p.getRootView(),
                        slashes,
                        payees: await p.getPayees(),
                        clientCloseDelay: params.clientCloseDelay,
                    },
                };
                expect(mismatches('ProviderStorage', expected, data)).toEqual([]);
                expect((data.cold as TlbRecord).pending !== null).toBe(checkPending);
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
                const env = await deployEnvironment();
                const { blockchain, root, stranger } = env;
                const owner = stranger.getSender();

                // a registered worker: profile set, no binding, nothing pending
                const w = blockchain.openContract(await ExtendedProvider.forNode(root.address, stranger.address, 7n));
                await w.sendRegister(owner, 'worker', worker);
                const registered = await expectStorageMatchesGetters(env, w);
                expect([registered.status, registered.cold.binding, registered.cold.pending]).toEqual([1n, null, null]);
                expect(registered.cold.profile?.gpuCount).toBe(8n);

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
                const inFlight = await expectStorageMatchesGetters(env, x);
                expect(inFlight.cold.pending?.binding?.imageHash).toBe(HASHES.proxyImage);
                expect(inFlight.keys.teeKey).toBe(0n);
                for (let r = await steps.next(); !r.done; r = await steps.next());

                // bound and staked: an active proxy, listed in the Root's directory
                await x.sendStake(owner, toNano('1000'));
                const active = await expectStorageMatchesGetters(env, x);
                expect([active.status, active.listed, active.cold.binding?.teeKey, active.keys.teeKey, active.cold.pending]).toEqual([
                    2n,
                    true,
                    BigInt('0x' + teeKey.publicKey.toString('hex')),
                    BigInt('0x' + teeKey.publicKey.toString('hex')),
                    null,
                ]);
            });

            it('reads a proxy whose pool has settled a charge and paid a worker, then rebound to a new key, as ProviderStorage', async () => {
                const env = await deployEnvironment();
                const node = await activeProxy(env);
                const alice = await env.blockchain.treasury('alice');
                const wendy = await env.blockchain.treasury('wendy');
                const { escrow } = await openEscrow(env, node, alice);
                await charge(env, escrow, node, { seqno: 1n, tokens: 6_000n, amount: toNano('6') });
                const account = await payoutAccountOf(env, node, wendy.address, 2n);
                await payout(env, account, node, { seqno: 1n, tokens: 500n, amount: toNano('0.5'), commission: toNano('0.1') });
                const settled = await expectStorageMatchesGetters(env, node.provider);
                expect([settled.tokensServed, settled.settlements, settled.payouts, settled.commissionReleased]).toEqual([
                    6_000n,
                    1n,
                    1n,
                    toNano('0.1'),
                ]);
                expect([settled.pool > 0n, settled.feeOwed > 0n, settled.feeBps > 0n]).toEqual([true, true, true]);

                // a rebind keeps the replaced key settling for a client close delay
                const newKey = providerTeeKey('schema-rebind');
                const rebound = await bindNode(env, node, { key: newKey });
                const after = await expectStorageMatchesGetters(env, node.provider);
                const params = await env.root.getParams();
                expect(after.keys).toEqual({
                    teeKey: publicKeyInt(newKey),
                    prevTeeKey: publicKeyInt(node.key),
                    prevKeyUntil: BigInt(env.blockchain.now!) + params.clientCloseDelay,
                });
                expect(readSentBodies(rebound.result, [node.provider.address, env.root.address])).toEqual(
                    expect.arrayContaining(['QueryImage', 'ImageVerdict', 'BindingChanged', 'ListProxyForRoot', 'Excesses']),
                );
            });
        });

        describe('an Escrow', () => {
            /** Reads the escrow's account data as EscrowStorage and compares it with the state() and parties() getters. */
            async function expectEscrowStorage(env: Env, escrow: EscrowContract) {
                const data = await storageOf(env.blockchain, escrow.address, 'EscrowStorage');
                const { $$type: _p, root, ...parties } = await escrow.getParties();
                const { $$type: _s, ...state } = await escrow.getState();
                const expected = { parties, root, ...state };
                expect(mismatches('EscrowStorage', expected, data)).toEqual([]);
                return expected;
            }

            it('reads its init data as EscrowInitData, then opening, open, charged, closing and closed as EscrowStorage', async () => {
                const env = await deployEnvironment();
                const node = await activeProxy(env);
                const alice = await env.blockchain.treasury('alice');
                const escrow = await escrowOf(env, node, alice.address);
                const initData = {
                    root: env.root.address,
                    parties: { proxy: node.provider.address, teeKey: publicKeyInt(node.key), client: alice.address },
                };
                expect(mismatches('EscrowInitData', initData, reader.readCell(escrow.init!.data, 'EscrowInitData').value)).toEqual([]);
                const contracts = [escrow.address, node.provider.address, env.root.address];

                // OpenEscrow handled, the Root's parameters not yet arrived
                const open = beginCell()
                    .store(storeOpenEscrow({ $$type: 'OpenEscrow', queryId: 3n, reserve: RESERVE, demand: DEMAND }))
                    .endCell();
                const flight = await stepwise(env, alice.address, escrow.address, open, DEPOSIT + OPEN_OVERHEAD, escrow.init!);
                await flight.step();
                const opening = await expectEscrowStorage(env, escrow);
                expect([opening.status, opening.reserve, opening.balanceHeld]).toEqual([ESCROW_OPENING, RESERVE, DEPOSIT]);
                expect(plain(opening.parties)).toEqual(plain(initData.parties));
                expect(opening.root.equals(initData.root)).toBe(true);
                const opened = await flight.rest();
                expect(readSentBodies(opened, contracts)).toEqual(expect.arrayContaining(['EscrowOpened', 'QueryParams', 'RootParams']));

                const params = await env.root.getParams();
                const isOpen = await expectEscrowStorage(env, escrow);
                expect([isOpen.status, isOpen.closeDelay]).toEqual([ESCROW_OPEN, params.clientCloseDelay]);

                const charged = await charge(env, escrow, node, { seqno: 4n, tokens: 1_234n, amount: toNano('2.5') });
                expect(readSentBodies(charged, contracts)).toContain('ChargeSettled');
                const afterCharge = await expectEscrowStorage(env, escrow);
                expect([afterCharge.charged, afterCharge.tokens, afterCharge.seqno, afterCharge.balanceHeld]).toEqual([
                    toNano('2.5'),
                    1_234n,
                    4n,
                    DEPOSIT - toNano('2.5'),
                ]);

                await client.requestClose(escrow, alice);
                const closing = await expectEscrowStorage(env, escrow);
                expect([closing.status, closing.closeAt]).toEqual([ESCROW_CLOSING, BigInt(env.blockchain.now!) + params.clientCloseDelay]);

                env.advance(Number(params.clientCloseDelay));
                const finalized = await client.finalizeClose(escrow, alice);
                expect(readSentBodies(finalized, contracts)).toEqual(expect.arrayContaining(['EscrowClosed', 'Excesses']));
                const closed = await expectEscrowStorage(env, escrow);
                expect([closed.status, closed.balanceHeld, closed.closeAt, closed.charged]).toEqual([ESCROW_CLOSED, 0n, 0n, toNano('2.5')]);
            });
        });

        describe('a PayoutAccount', () => {
            /** Reads the account's data as PayoutAccountStorage and compares it with the state() and parties() getters. */
            async function expectPayoutStorage(env: Env, account: PayoutContract) {
                const data = await storageOf(env.blockchain, account.address, 'PayoutAccountStorage');
                const { $$type: _p, ...parties } = await account.getParties();
                const { $$type: _s, ...state } = await account.getState();
                const expected = { parties, ...state };
                expect(mismatches('PayoutAccountStorage', expected, data)).toEqual([]);
                return expected;
            }

            it('reads its init data as PayoutAccountInitData, then after a first payout and a final one as PayoutAccountStorage', async () => {
                const env = await deployEnvironment();
                const node = await activeProxy(env);
                const alice = await env.blockchain.treasury('alice');
                const wendy = await env.blockchain.treasury('wendy');
                const { escrow } = await openEscrow(env, node, alice);
                await charge(env, escrow, node, { seqno: 1n, tokens: 6_000n, amount: toNano('6') });

                const account = await payoutAccountOf(env, node, wendy.address, 3n);
                const parties = {
                    root: env.root.address,
                    proxy: node.provider.address,
                    teeKey: publicKeyInt(node.key),
                    workerOwner: wendy.address,
                    workerNode: 3n,
                };
                const initData = reader.readCell(account.init!.data, 'PayoutAccountInitData').value;
                expect(mismatches('PayoutAccountInitData', parties, initData)).toEqual([]);
                const contracts = [account.address, node.provider.address];

                const first = await payout(env, account, node, {
                    seqno: 1n,
                    tokens: 100n,
                    amount: toNano('0.1'),
                    commission: toNano('0.02'),
                });
                expect(readSentBodies(first, contracts)).toContain('PayoutRequested');
                const paid = await expectPayoutStorage(env, account);
                expect(plain(paid)).toEqual(
                    plain({ parties, seqno: 1n, tokens: 100n, paid: toNano('0.1'), commission: toNano('0.02'), final: false }),
                );

                const last = await payout(env, account, node, {
                    seqno: 2n,
                    tokens: 300n,
                    amount: toNano('0.3'),
                    commission: toNano('0.05'),
                    final: true,
                });
                expect(readSentBodies(last, contracts)).toContain('PayoutRequested');
                const closed = await expectPayoutStorage(env, account);
                expect([closed.seqno, closed.paid, closed.final]).toEqual([2n, toNano('0.3'), true]);
            });
        });
    });
});

/** Reads an active account's data as `type`. */
async function storageOf(blockchain: Blockchain, address: Address, type: string): Promise<TlbRecord> {
    const account = await blockchain.getContract(address);
    if (account.accountState?.type !== 'active') throw new Error(`${address.toString()} is not active`);
    return reader.readCell(account.accountState.state.data!, type).value;
}

/** Schema types of the messages, by opcode. */
const typeByOpcode = new Map(ours.filter((c) => c.opcode !== null).map((c) => [c.opcode!, c.type]));

/**
 * Reads every message body that `senders` sent in `result` through the schema, by its opcode, and
 * compares it with what the generated loader reads (bounces and plain transfers aside); returns
 * the types read, in order. A body with an opcode the schema lacks fails.
 */
function readSentBodies(result: SendMessageResult, senders: Address[]): string[] {
    const read: string[] = [];
    for (const tx of result.transactions) {
        for (const m of tx.outMessages.values()) {
            if (m.info.type === 'external-in') continue;
            const src = m.info.src;
            if (!senders.some((a) => a.equals(src))) continue;
            if (m.info.type === 'internal' && m.info.bounced) continue;
            if (m.body.bits.length === 0 && m.body.refs.length === 0) continue;
            const op = m.body.beginParse().preloadUint(32);
            const type = typeByOpcode.get(op);
            if (type === undefined) throw new Error(`${src.toString()} sent opcode ${hex(op)}, which is not in the schema`);
            const { value } = reader.readCell(m.body, type);
            const loaded = generated<(s: Slice) => Record<string, unknown>>('load', type)(m.body.beginParse());
            expect({ type, mismatches: mismatches(type, loaded, value) }).toEqual({ type, mismatches: [] });
            read.push(type);
        }
    }
    return read;
}

/** Deterministic sample values for ABI types; every integer uses its top bit so widths show. */
class Samples {
    private n = 0;
    constructor(private readonly nulls: boolean) {}

    struct(name: string): Record<string, unknown> {
        const t = abiTypes.get(name);
        if (!t) throw new Error(`no ABI type ${name}`);
        const out: Record<string, unknown> = { $$type: name };
        for (const f of t.fields) {
            const holds = CELL_HOLDS[`${name}.${f.name}`];
            out[f.name] = holds === undefined ? this.value(f.type, `${name}.${f.name}`) : this.cellHolding(holds, f.type);
        }
        return out;
    }

    /** A cell holding a sample of `name` (null with the optionals when the field is optional). */
    cellHolding(name: string, ref: ABITypeRef): Cell | null {
        ++this.n;
        if (ref.kind === 'simple' && ref.optional && this.nulls) return null;
        return beginCell()
            .store(generated<(src: unknown) => (b: Builder) => void>('store', name)(this.struct(name)))
            .endCell();
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
    const fieldTypes = new Map<string, ABITypeRef | undefined>(t ? t.fields.map((f) => [f.name, fieldType(typeName, f)]) : []);
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
    if (ref?.kind === 'simple' && abiTypes.has(ref.type) && tact !== null && tact !== undefined) {
        if (read === null || typeof read !== 'object' || read instanceof Cell || read instanceof Address)
            return [`${where}: expected a ${ref.type}, read ${show(read)}`];
        // A Tact Cell holding the type (CELL_HOLDS): decoded by the generated loader.
        const value = tact instanceof Cell ? generated<(s: Slice) => Record<string, unknown>>('load', ref.type)(tact.beginParse()) : tact;
        return mismatches(ref.type, value as Record<string, unknown>, read as TlbRecord).map((m) => `${where} > ${m}`);
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
