/**
 * Justifies the Provider's minimum values (contracts/provider/constants.tact, exported by the
 * generated wrapper): MIN_VALUE_REGISTER, MIN_VALUE_CHECK, MIN_VALUE_ACTION, MIN_VALUE_WITHDRAW,
 * MIN_VALUE_EVIDENCE.
 *
 * Every handler keeps the Provider's balance as it found it (plus what it keeps on purpose: the
 * stake of a Stake, the storage buffer of a registration) and returns the rest of the value to
 * the sender as Excesses, after the Root's answer when it asked the Root. So what a message must
 * carry is what it costs the sender:
 *
 *   cost = value - kept + released - returned
 *
 * kept      the stake amount of a Stake; PROVIDER_STORAGE_BUFFER at registration;
 * released  the amount a WithdrawStake pays out (it leaves with the rest of the value);
 * returned  every value the chain sends back to the sender (Excesses, or StakeWithdrawal).
 *
 * The cost is the chain's fees paid from the value (the Provider's and the Root's gas, events,
 * forwarding) plus, when a proxy lists or delists itself, DIRECTORY_MESSAGE_VALUE: the Root keeps
 * its fees out of it and sends the rest back to the Provider (ProxyListed / ProxyDelisted), which
 * keeps it as storage buffer; the sender does not see it again, so it counts.
 *
 * The budget of a class is its minimum value less what is kept on purpose: MIN_VALUE_REGISTER -
 * PROVIDER_STORAGE_BUFFER for a registration, MIN_VALUE_ACTION for a Stake (which must carry
 * amount + MIN_VALUE_ACTION), the constant itself otherwise. The dearest operation of each class
 * must cost at most 1 / MARGIN of its budget, the same margin as the Root's (tests/gas/fees.spec.ts):
 * it covers gas-price and forwarding-price changes by the network and code growth.
 *
 * Operations are measured with every input as large as the contract accepts (largest profiles,
 * 120-byte endpoints), on a Root whose allowlists are one below their bounds and whose proxy
 * directory is one below MAX_PROXIES, so each new listing fills the last slot. Each operation runs
 * from the same prepared state; then each, the dearest of each class first, is replayed with
 * exactly the minimum value (amount + MIN_VALUE_ACTION for a Stake: it succeeds end to end, the
 * Provider ends as it did with more value, and the excess reaches the sender) and with one
 * nanoton less (refused with ERR_INSUFFICIENT_VALUE, nothing changed).
 *
 * FEES_REPORT=1 npx jest tests/gas/provider.fees prints every measured cost.
 */
import '@ton/test-utils';
import { Address, Sender, toNano, Transaction } from '@ton/core';
import { BlockchainSnapshot, SandboxContract, SendMessageResult, TreasuryContract } from '@ton/sandbox';
import {
    DIRECTORY_MESSAGE_VALUE,
    ERR_INSUFFICIENT_VALUE,
    MIN_VALUE_ACTION,
    MIN_VALUE_CHECK,
    MIN_VALUE_REGISTER,
    MIN_VALUE_WITHDRAW,
    MIN_VALUE_EVIDENCE,
    PROVIDER_STORAGE_BUFFER,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_JAILED,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
} from '../../wrappers/Provider';
import {
    emptyAttestationRoots,
    emptyImages,
    emptyModels,
    ExtendedRoot,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    MAX_PROXIES,
    ROLE_PROXY,
    ROLES_ALL,
    RootInit,
} from '../../wrappers/Root';
import { DAY, HASHES, deployEnvironment, Env, RootContract } from '../fixtures/environment';
import { KIND_CHARGE, signedVoucherCell, signVoucher } from '../../wrappers/vouchers';
import { bind, directoryFiller, largestProxy, largestWorker, MIN_STAKE, openProvider, ProviderContract, TEE_KEY } from './providers';

/** The dearest operation of a class may cost at most its budget / MARGIN. */
const MARGIN = 2n;

type Class = 'register' | 'check' | 'action' | 'withdraw' | 'evidence';
const MIN_VALUE: Record<Class, { name: string; value: bigint }> = {
    register: { name: 'MIN_VALUE_REGISTER', value: MIN_VALUE_REGISTER },
    check: { name: 'MIN_VALUE_CHECK', value: MIN_VALUE_CHECK },
    action: { name: 'MIN_VALUE_ACTION', value: MIN_VALUE_ACTION },
    withdraw: { name: 'MIN_VALUE_WITHDRAW', value: MIN_VALUE_WITHDRAW },
    evidence: { name: 'MIN_VALUE_EVIDENCE', value: MIN_VALUE_EVIDENCE },
};
/** Sent on top of `extra` while measuring: comfortably above every minimum. */
const MEASURE_VALUE = toNano('1');

const OP_PROXY_LISTED = 0x52300081;
const OP_PROXY_DELISTED = 0x52300082;

interface Measured {
    op: string;
    cls: Class;
    /** What the operation costs the sender (see the top of this file). */
    cost: bigint;
    /** Of the cost, what the Root sent back to the Provider from a (de)listing. */
    listingRest: bigint;
    /** Blockchain state just before the operation, to replay it with another value. */
    before: BlockchainSnapshot;
    /** Sends the operation; `value` is what goes on top of `extra` (the stake amount of a Stake). */
    run: (value: bigint) => Promise<SendMessageResult>;
    extra: bigint;
    kept: bigint;
    released: bigint;
    from: Address;
    provider: ProviderContract;
    /** The Provider's state after the measured run. */
    after: Record<string, unknown> | null;
}

function ton(n: bigint): string {
    const sign = n < 0n ? '-' : '';
    const a = n < 0n ? -n : n;
    return `${sign}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')} TON`;
}

/** A Provider's state with addresses as strings, so two readings compare with toEqual. */
async function stateOf(p: ProviderContract): Promise<Record<string, unknown> | null> {
    try {
        const s = await p.getState();
        return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Address ? v.toRawString() : v]));
    } catch {
        return null; // not deployed
    }
}

function isInternalTo(tx: Transaction, address: Address): boolean {
    const info = tx.inMessage?.info;
    return info?.type === 'internal' && info.dest.equals(address);
}

/** Throws unless every transaction at the Provider and the Root succeeded and nothing bounced. */
function expectEndToEnd(result: SendMessageResult, provider: Address, root: Address, op: string) {
    for (const tx of result.transactions) {
        const info = tx.inMessage?.info;
        if (info?.type !== 'internal') continue;
        if (info.bounced) throw new Error(`${op}: a message bounced back to ${info.dest.toString()}`);
        if (!info.dest.equals(provider) && !info.dest.equals(root)) continue;
        const d = tx.description;
        if (d.type !== 'generic' || d.computePhase.type !== 'vm' || !d.computePhase.success || d.aborted) {
            const code = d.type === 'generic' && d.computePhase.type === 'vm' ? d.computePhase.exitCode : '?';
            const who = info.dest.equals(root) ? 'the Root' : 'the Provider';
            throw new Error(`${op}: a transaction of ${who} failed (exit code ${code})`);
        }
    }
}

/** value, returned and the listing rest of one run, from its transactions. */
function flows(result: SendMessageResult, provider: Address, root: Address, from: Address) {
    const chain = result.transactions.filter((t) => t.inMessage?.info.type === 'internal');
    const first = chain.find((t) => isInternalTo(t, provider));
    const inInfo = first?.inMessage?.info;
    if (inInfo?.type !== 'internal') throw new Error('no transaction at the Provider');
    let returned = 0n;
    let listingRest = 0n;
    for (const tx of chain) {
        for (const m of tx.outMessages.values()) {
            if (m.info.type !== 'internal') continue;
            if (m.info.src.equals(provider) && m.info.dest.equals(from)) returned += m.info.value.coins;
            if (m.info.src.equals(root) && m.info.dest.equals(provider)) {
                const op = m.body.beginParse().preloadUint(32);
                if (op === OP_PROXY_LISTED || op === OP_PROXY_DELISTED) listingRest += m.info.value.coins;
            }
        }
    }
    return { value: inInfo.value.coins, returned, listingRest };
}

describe('Provider minimum values', () => {
    let env: Env;
    let root: RootContract;
    let base: BlockchainSnapshot;
    const measured: Measured[] = [];

    beforeAll(async () => {
        env = await deployEnvironment();
        const { blockchain, governance, stranger, deployer } = env;
        const gov = governance.getSender();

        // ---- a Root with every allowlist one below its bound (as in tests/gas/fees.spec.ts) ----
        const init: RootInit = {
            ...env.init,
            attestationRoots: emptyAttestationRoots(),
            images: emptyImages(),
            models: emptyModels(),
            nonce: 1n,
        };
        env.init.attestationRoots.keys().forEach((k) => init.attestationRoots.set(k, true));
        env.init.images.keys().forEach((k) => init.images.set(k, env.init.images.get(k)!));
        env.init.models.keys().forEach((k) => init.models.set(k, true));
        for (let i = 0n; init.attestationRoots.size < Number(MAX_ATTESTATION_ROOTS) - 1; i++) init.attestationRoots.set(0xa000n + i, true);
        for (let i = 0n; init.images.size < Number(MAX_IMAGES) - 1; i++) init.images.set(0xb000n + i, Number(ROLES_ALL));
        for (let i = 0n; init.models.size < Number(MAX_MODELS) - 1; i++) init.models.set(0xc000n + i, true);
        root = blockchain.openContract(await ExtendedRoot.fromRootInit(init));
        await root.sendDeploy(deployer.getSender(), toNano('1'));

        // ---- the directory two below its bound: entries listed from Provider addresses ----
        await (
            await directoryFiller(blockchain, root)
        )(MAX_PROXIES - 2n);
        expect((await root.getState()).proxyCount).toBe(MAX_PROXIES - 2n);

        // ---- the nodes, one per starting point, every profile as large as allowed ----
        const owner = await blockchain.treasury('provider-owner');
        const via = owner.getSender();
        const node = (i: bigint) => openProvider(blockchain, root.address, owner.address, i);
        const nodes = {
            newWorker: await node(0n),
            newProxy: await node(1n),
            stakedWorker: await node(2n), // registered, staked, unbound
            boundWorker: await node(3n), // registered, bound, no stake
            activeWorker: await node(4n), // bound and staked above the minimum
            stakedProxy: await node(5n), // registered, staked, unbound
            boundProxy: await node(6n), // registered, bound, no stake
            listedProxy: await node(7n), // active and listed
            suspendedProxy: await node(8n), // suspended (trust withdrawn, now back), not listed
            plainWorker: await node(9n), // registered only
        };
        const register = async (p: ProviderContract, role: 'worker' | 'proxy', tag: string) =>
            expectOk(await p.sendRegister(via, role, role === 'worker' ? largestWorker() : largestProxy(tag)), p);
        const expectOk = (r: SendMessageResult, p: ProviderContract) => {
            expectEndToEnd(r, p.address, root.address, 'set-up');
            return r;
        };
        for (const [name, p] of Object.entries(nodes)) {
            if (name === 'newWorker' || name === 'newProxy') continue;
            await register(p, name.includes('Worker') ? 'worker' : 'proxy', name);
        }
        expectOk(await nodes.stakedWorker.sendStake(via, MIN_STAKE.worker), nodes.stakedWorker);
        expectOk(await bind(blockchain, nodes.boundWorker, via, 'worker'), nodes.boundWorker);
        expectOk(await bind(blockchain, nodes.activeWorker, via, 'worker'), nodes.activeWorker);
        expectOk(await nodes.activeWorker.sendStake(via, MIN_STAKE.worker + toNano('50')), nodes.activeWorker);
        expectOk(await nodes.stakedProxy.sendStake(via, MIN_STAKE.proxy), nodes.stakedProxy);
        expectOk(await bind(blockchain, nodes.boundProxy, via, 'proxy'), nodes.boundProxy);
        // The suspended proxy: active and listed, then a re-check while the Root is paused
        // revokes its binding and delists it; after the unpause, trust is back.
        expectOk(await nodes.suspendedProxy.sendStake(via, MIN_STAKE.proxy), nodes.suspendedProxy);
        expectOk(await bind(blockchain, nodes.suspendedProxy, via, 'proxy'), nodes.suspendedProxy);
        await root.sendPause(gov);
        expectOk(await nodes.suspendedProxy.sendRecheck(stranger.getSender()), nodes.suspendedProxy);
        await root.sendUnpause(gov);
        expect((await nodes.suspendedProxy.getState()).status).toBe(STATUS_SUSPENDED);
        expectOk(await nodes.listedProxy.sendStake(via, MIN_STAKE.proxy), nodes.listedProxy);
        expectOk(await bind(blockchain, nodes.listedProxy, via, 'proxy'), nodes.listedProxy);
        expect((await nodes.listedProxy.getState()).listed).toBe(true);
        expect((await root.getState()).proxyCount).toBe(MAX_PROXIES - 1n);
        base = blockchain.snapshot();

        // ---- measuring: each operation from the same prepared state ----
        const measure = async (
            op: string,
            cls: Class,
            p: ProviderContract,
            run: (value: bigint) => Promise<SendMessageResult>,
            opts: {
                prepare?: () => Promise<void>;
                extra?: bigint;
                kept?: bigint;
                released?: bigint;
                from?: TreasuryContract | SandboxContract<TreasuryContract>;
            } = {},
        ) => {
            await blockchain.loadFrom(base);
            if (opts.prepare) await opts.prepare();
            const before = blockchain.snapshot();
            const from = (opts.from ?? owner).address;
            const result = await run(MEASURE_VALUE);
            expectEndToEnd(result, p.address, root.address, op);
            const f = flows(result, p.address, root.address, from);
            const extra = opts.extra ?? 0n;
            const kept = opts.kept ?? 0n;
            const released = opts.released ?? 0n;
            expect(f.value).toBe(MEASURE_VALUE + extra);
            const cost = f.value - kept + released - f.returned;
            measured.push({
                op,
                cls,
                cost,
                listingRest: f.listingRest,
                before,
                run,
                extra,
                kept,
                released,
                from,
                provider: p,
                after: await stateOf(p),
            });
        };
        const anyone: Sender = stranger.getSender();
        const {
            newWorker,
            newProxy,
            stakedWorker,
            boundWorker,
            activeWorker,
            stakedProxy,
            boundProxy,
            listedProxy,
            suspendedProxy,
            plainWorker,
        } = nodes;
        const revokeProxyImage = async () => {
            await root.sendRevokeImage(gov, HASHES.proxyImage, ROLE_PROXY);
        };

        // register
        await measure(
            'register worker (largest profile)',
            'register',
            newWorker,
            (v) => newWorker.sendRegister(via, 'worker', largestWorker(), 0n, v),
            {
                kept: PROVIDER_STORAGE_BUFFER,
            },
        );
        await measure(
            'register proxy (largest profile)',
            'register',
            newProxy,
            (v) => newProxy.sendRegister(via, 'proxy', largestProxy('new'), 0n, v),
            {
                kept: PROVIDER_STORAGE_BUFFER,
            },
        );

        // check: bind and re-check
        await measure('bind worker (activates)', 'check', stakedWorker, (v) => bind(blockchain, stakedWorker, via, 'worker', v));
        await measure('bind worker (no stake)', 'check', boundWorker, (v) => bind(blockchain, boundWorker, via, 'worker', v));
        await measure('bind proxy (activates, lists in the last slot)', 'check', stakedProxy, (v) =>
            bind(blockchain, stakedProxy, via, 'proxy', v),
        );
        await measure('bind listed proxy again (relists)', 'check', listedProxy, (v) => bind(blockchain, listedProxy, via, 'proxy', v));
        await measure('recheck, no binding (QueryParams)', 'check', plainWorker, (v) => plainWorker.sendRecheck(anyone, 0n, v), {
            from: stranger,
        });
        await measure('recheck worker (no change)', 'check', activeWorker, (v) => activeWorker.sendRecheck(anyone, 0n, v), {
            from: stranger,
        });
        await measure(
            'recheck listed proxy (image revoked: suspends, delists)',
            'check',
            listedProxy,
            (v) => listedProxy.sendRecheck(anyone, 0n, v),
            {
                from: stranger,
                prepare: revokeProxyImage,
            },
        );
        await measure(
            'recheck suspended proxy (trust back: activates, lists)',
            'check',
            suspendedProxy,
            (v) => suspendedProxy.sendRecheck(anyone, 0n, v),
            {
                from: stranger,
            },
        );

        // action: stake, unstake, exit, profile
        await measure('stake worker (no change)', 'action', boundWorker, (v) => boundWorker.sendStake(via, toNano('1'), 0n, v), {
            extra: toNano('1'),
            kept: toNano('1'),
        });
        await measure('stake worker (activates)', 'action', boundWorker, (v) => boundWorker.sendStake(via, MIN_STAKE.worker, 0n, v), {
            extra: MIN_STAKE.worker,
            kept: MIN_STAKE.worker,
        });
        await measure(
            'stake proxy (activates, lists in the last slot)',
            'action',
            boundProxy,
            (v) => boundProxy.sendStake(via, MIN_STAKE.proxy, 0n, v),
            {
                extra: MIN_STAKE.proxy,
                kept: MIN_STAKE.proxy,
            },
        );
        await measure('unstake worker (no change)', 'action', activeWorker, (v) =>
            activeWorker.sendRequestUnstake(via, toNano('50'), 0n, v),
        );
        await measure('unstake listed proxy (deactivates, delists)', 'action', listedProxy, (v) =>
            listedProxy.sendRequestUnstake(via, toNano('1'), 0n, v),
        );
        await measure('exit worker', 'action', activeWorker, (v) => activeWorker.sendRequestExit(via, 0n, v));
        await measure('exit listed proxy (delists)', 'action', listedProxy, (v) => listedProxy.sendRequestExit(via, 0n, v));
        await measure('profile worker (largest)', 'action', activeWorker, (v) =>
            activeWorker.sendUpdateProfile(via, largestWorker(), 0n, v),
        );
        await measure('profile listed proxy (new endpoint: relists)', 'action', listedProxy, (v) =>
            listedProxy.sendUpdateProfile(via, largestProxy('moved'), 0n, v),
        );

        // withdraw: once the unbonding delay has passed
        await measure('withdraw part (no change)', 'withdraw', activeWorker, (v) => activeWorker.sendWithdrawStake(via, 0n, v), {
            released: toNano('50'),
            prepare: async () => {
                await activeWorker.sendRequestUnstake(via, toNano('50'));
                env.advance(7 * DAY + 60);
            },
        });
        await measure('withdraw all after exit (exits)', 'withdraw', listedProxy, (v) => listedProxy.sendWithdrawStake(via, 0n, v), {
            released: MIN_STAKE.proxy,
            prepare: async () => {
                await listedProxy.sendRequestExit(via);
                env.advance(7 * DAY + 60);
            },
        });

        // evidence: two conflicting vouchers of the proxy's key, from anyone; the reporter's reward
        // comes back with the rest of the value (released), the slash leaves from the stake.
        const params = await root.getParams();
        const evidence = (p: ProviderContract) => {
            const account = new Address(0, Buffer.alloc(32, 7));
            const v = { kind: KIND_CHARGE, account, seqno: 1n, tokens: 10n, commission: 0n, final: false } as const;
            const a = signVoucher({ ...v, amount: 1n }, TEE_KEY.secretKey);
            const b = signVoucher({ ...v, amount: 2n }, TEE_KEY.secretKey);
            return (value: bigint) =>
                p.send(anyone, { value }, { $$type: 'SubmitEvidence', queryId: 0n, a: signedVoucherCell(a), b: signedVoucherCell(b) });
        };
        const rewardFor = async (p: ProviderContract) => {
            await blockchain.loadFrom(base); // the stake the measured run starts from
            const s = await p.getState();
            const share = ((((s.stake + s.unbonding) * params.equivocationSlashBps) / 10_000n) * params.reporterShareBps) / 10_000n;
            return share < params.reporterRewardCap ? share : params.reporterRewardCap;
        };
        await measure('evidence against a listed proxy (jails, delists)', 'evidence', listedProxy, evidence(listedProxy), {
            from: stranger,
            released: await rewardFor(listedProxy),
        });
        await measure('evidence against a suspended proxy (jails)', 'evidence', suspendedProxy, evidence(suspendedProxy), {
            from: stranger,
            released: await rewardFor(suspendedProxy),
        });

        // The runs did what their names say.
        const after = (op: string) => measured.find((m) => m.op === op)!.after;
        expect(after('bind proxy (activates, lists in the last slot)')).toMatchObject({ status: STATUS_ACTIVE, listed: true });
        expect(after('stake proxy (activates, lists in the last slot)')).toMatchObject({ status: STATUS_ACTIVE, listed: true });
        expect(after('recheck suspended proxy (trust back: activates, lists)')).toMatchObject({ status: STATUS_ACTIVE, listed: true });
        expect(after('recheck listed proxy (image revoked: suspends, delists)')).toMatchObject({ status: STATUS_SUSPENDED, listed: false });
        expect(after('unstake listed proxy (deactivates, delists)')).toMatchObject({ status: STATUS_REGISTERED, listed: false });
        expect(after('withdraw all after exit (exits)')).toMatchObject({ status: STATUS_EXITED });
        expect(after('evidence against a listed proxy (jails, delists)')).toMatchObject({ status: STATUS_JAILED, listed: false });
        expect(after('evidence against a suspended proxy (jails)')).toMatchObject({ status: STATUS_JAILED, listed: false });
        for (const op of ['bind proxy (activates, lists in the last slot)', 'stake proxy (activates, lists in the last slot)']) {
            const m = measured.find((x) => x.op === op)!;
            await blockchain.loadFrom(m.before);
            await m.run(MEASURE_VALUE);
            expect((await root.getState()).proxyCount).toBe(MAX_PROXIES);
        }
    });

    afterAll(() => {
        if (process.env.FEES_REPORT === '1') {
            const rows = measured.map(
                (m) => `${m.cls.padEnd(9)} ${m.op.padEnd(56)} ${ton(m.cost).padStart(16)} ${ton(m.listingRest).padStart(16)}`,
            );
            console.log(
                [`${'class'.padEnd(9)} ${'operation'.padEnd(56)} ${'cost'.padStart(16)} ${'of it, kept'.padStart(16)}`, ...rows].join('\n'),
            );
        }
    });

    const budget = (cls: Class) => MIN_VALUE[cls].value - (cls === 'register' ? PROVIDER_STORAGE_BUFFER : 0n);
    const dearest = (cls: Class) => measured.filter((m) => m.cls === cls).reduce((a, b) => (b.cost > a.cost ? b : a));
    const classes = Object.keys(MIN_VALUE) as Class[];

    it('measured at least two operations of every class', () => {
        for (const cls of classes) expect(measured.filter((m) => m.cls === cls).length).toBeGreaterThanOrEqual(2);
        // a (de)listing's rest is part of the cost, and below what the Provider attached
        for (const m of measured) expect(m.listingRest).toBeLessThan(DIRECTORY_MESSAGE_VALUE);
    });

    it.each(classes)(`%s: the dearest operation costs at most 1/${MARGIN} of the budget`, (cls) => {
        const m = dearest(cls);
        const { name } = MIN_VALUE[cls];
        const b = budget(cls);
        const budgetText = cls === 'register' ? `${name} - PROVIDER_STORAGE_BUFFER = ${ton(b)}` : `${name} = ${ton(b)}`;
        const detail =
            `${m.op} costs ${ton(m.cost)} (${ton(m.listingRest)} of it the directory's rest, kept by the Provider); ` +
            `budget ${budgetText}, ${(Number(b) / Number(m.cost)).toFixed(2)}x the cost, need ${MARGIN}x` +
            (m.listingRest > 0n ? ` (without the directory's rest: ${(Number(b) / Number(m.cost - m.listingRest)).toFixed(2)}x)` : '');
        expect({ ok: m.cost * MARGIN <= b, detail }).toEqual({ ok: true, detail });
    });

    /** Replays `m` with exactly its class's minimum value: it must do what it did with more. */
    async function replayExact(m: Measured) {
        const exact = MIN_VALUE[m.cls].value;
        await env.blockchain.loadFrom(m.before);
        const result = await m.run(exact);
        expectEndToEnd(result, m.provider.address, root.address, m.op);
        const f = flows(result, m.provider.address, root.address, m.from);
        expect({ op: m.op, value: f.value }).toEqual({ op: m.op, value: exact + m.extra });
        // the same cost as with more value, and the rest back to the sender
        expect({ op: m.op, cost: f.value - m.kept + m.released - f.returned }).toEqual({ op: m.op, cost: m.cost });
        const excess = exact + m.extra - m.kept - m.cost;
        expect(excess).toBeGreaterThan(0n);
        expect(result.transactions).toHaveTransaction({ from: m.provider.address, to: m.from, value: excess + m.released, success: true });
        // and the Provider ends as it did with more value
        expect({ op: m.op, state: await stateOf(m.provider) }).toEqual({ op: m.op, state: m.after });
    }

    /** Replays `m` with one nanoton below its class's minimum: refused, nothing changes. */
    async function replayShort(m: Measured) {
        await env.blockchain.loadFrom(m.before);
        const before = await stateOf(m.provider);
        const result = await m.run(MIN_VALUE[m.cls].value - 1n);
        expect(result.transactions).toHaveTransaction({ to: m.provider.address, success: false, exitCode: Number(ERR_INSUFFICIENT_VALUE) });
        const after = await stateOf(m.provider);
        if (before === null && after !== null) {
            // A refused deploy leaves the account holding its StateInit, as yet unregistered.
            expect({ op: m.op, registered: [after.role, after.status] }).toEqual({ op: m.op, registered: [0n, 0n] });
        } else {
            expect({ op: m.op, state: after }).toEqual({ op: m.op, state: before });
        }
    }

    it.each(classes)('%s: the dearest operation with exactly the minimum value succeeds end to end and returns the rest', async (cls) => {
        await replayExact(dearest(cls));
    });

    it.each(classes)('%s: the dearest operation with one nanoton less is refused', async (cls) => {
        await replayShort(dearest(cls));
    });

    // Every other path too (a Stake carrying exactly amount + MIN_VALUE_ACTION among them).
    it('every other operation with exactly the minimum value succeeds end to end, and with one nanoton less is refused', async () => {
        const others = measured.filter((m) => !classes.some((cls) => dearest(cls) === m));
        expect(others.length).toBeGreaterThan(10);
        for (const m of others) {
            await replayExact(m);
            await replayShort(m);
        }
    });
});
