/**
 * Gas snapshot of every Provider operation, compared with snapshots/gas.json (section "provider").
 *
 * Each operation runs once, in a fixed order, on the fixture's deployment (fixed clock, fixed
 * treasuries, typical profiles), so the figures are deterministic. An operation of the Provider
 * runs through several transactions: its own (the owner's message, then the Root's answer, then
 * the Root's reply to a listing) and the Root's (the query, the listing). measureAcross() in
 * tools/gas/snapshot.ts records, per operation,
 *   gas      the Provider's transactions in the chain, summed;
 *   rootGas  the Root's transactions in the chain, summed (0 when the Root is not involved);
 *   fees     every fee over the chain, as for the Root.
 * tools/gas/README.md lists the transactions summed for each operation. A figure moving by more
 * than 5%, or an operation appearing or disappearing, fails the test until the snapshot is
 * rewritten with `npm run gas:update` (GAS_SNAPSHOT_UPDATE=1) and the change is committed.
 */
import '@ton/test-utils';
import { SendMessageResult } from '@ton/sandbox';
import { Address, toNano } from '@ton/core';
import {
    ROLE_PROXY,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_JAILED,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
} from '../../wrappers/Provider';
import { KIND_CHARGE, signedVoucherCell, signVoucher } from '../../wrappers/vouchers';
import { ENFORCE_VALUE } from '../../wrappers/Root';
import { DAY, HASHES, deployEnvironment } from '../fixtures/environment';
import {
    compareSection,
    measureAcross,
    readSnapshot,
    Section,
    SNAPSHOT_PATH,
    TOLERANCE,
    UPDATE_COMMAND,
    writeSection,
} from '../../tools/gas/snapshot';
import { bind, MIN_STAKE, openProvider, ProviderContract, TEE_KEY, typicalProxy, typicalWorker } from './providers';

const UPDATE = process.env.GAS_SNAPSHOT_UPDATE === '1';
const CONTRACT = 'provider';

describe('Provider gas snapshot', () => {
    const measured: Section = {};
    let complete = false;
    let releaseComplete = false;

    it('runs every Provider operation', async () => {
        const env = await deployEnvironment();
        const { blockchain, root, governance, stranger, advance } = env;
        const record = (op: string, provider: ProviderContract, result: SendMessageResult) => {
            if (measured[op]) throw new Error(`operation ${op} recorded twice`);
            measured[op] = measureAcross(result.transactions, provider.address, root.address);
        };
        const status = async (p: ProviderContract) => (await p.getState()).status;
        const listed = async (p: ProviderContract) => (await p.getState()).listed;

        const workerOwner = await blockchain.treasury('worker-owner');
        const proxyOwner = await blockchain.treasury('proxy-owner');
        const w = await openProvider(blockchain, root.address, workerOwner.address, 0n);
        const x = await openProvider(blockchain, root.address, proxyOwner.address, 0n);
        const ws = workerOwner.getSender();
        const xs = proxyOwner.getSender();

        // ---- registration: deploy, then the Root's parameters ----
        record('register.worker', w, await w.sendRegister(ws, 'worker', typicalWorker()));
        record('register.proxy', x, await x.sendRegister(xs, 'proxy', typicalProxy()));
        expect([await status(w), await status(x)]).toEqual([STATUS_REGISTERED, STATUS_REGISTERED]);

        // ---- worker: profile, bind, stake up to activation ----
        record('profile.worker', w, await w.sendUpdateProfile(ws, typicalWorker(1)));
        record('bind.worker', w, await bind(blockchain, w, ws, 'worker'));
        record('stake.no_change', w, await w.sendStake(ws, toNano('10')));
        expect(await status(w)).toBe(STATUS_REGISTERED);
        record('stake.activates', w, await w.sendStake(ws, MIN_STAKE.worker - toNano('10')));
        expect(await status(w)).toBe(STATUS_ACTIVE);

        // ---- proxy: staked first, so the bind activates it and it lists itself ----
        await x.sendStake(xs, MIN_STAKE.proxy);
        record('bind.proxy_activates_lists', x, await bind(blockchain, x, xs, 'proxy'));
        expect([await status(x), await listed(x)]).toEqual([STATUS_ACTIVE, true]);
        record('profile.proxy_listed_endpoint', x, await x.sendUpdateProfile(xs, typicalProxy(0, 9443)));
        record('bind.proxy_listed_rebinds', x, await bind(blockchain, x, xs, 'proxy'));
        expect([await status(x), await listed(x)]).toEqual([STATUS_ACTIVE, true]);

        // ---- re-check (anyone), unstake ----
        record('recheck.no_change', w, await w.sendRecheck(stranger.getSender()));
        expect(await status(w)).toBe(STATUS_ACTIVE);
        await w.sendStake(ws, toNano('50'));
        record('unstake.no_change', w, await w.sendRequestUnstake(ws, toNano('50')));
        expect(await status(w)).toBe(STATUS_ACTIVE);
        record('unstake.deactivates_delists', x, await x.sendRequestUnstake(xs, toNano('1')));
        expect([await status(x), await listed(x)]).toEqual([STATUS_REGISTERED, false]);
        record('stake.proxy_activates_lists', x, await x.sendStake(xs, toNano('1')));
        expect([await status(x), await listed(x)]).toEqual([STATUS_ACTIVE, true]);

        // A second proxy, active and listed before the proxy image is revoked: equivocation
        // evidence is measured against it at the end.
        const y = await openProvider(blockchain, root.address, proxyOwner.address, 1n);
        await y.sendRegister(xs, 'proxy', typicalProxy(1));
        await bind(blockchain, y, xs, 'proxy');
        await y.sendStake(xs, MIN_STAKE.proxy);

        // ---- the proxy image loses the proxy role: a re-check suspends and delists ----
        await root.sendRevokeImage(governance.getSender(), HASHES.proxyImage, ROLE_PROXY);
        record('recheck.suspends_delists', x, await x.sendRecheck(stranger.getSender()));
        expect([await status(x), await listed(x)]).toEqual([STATUS_SUSPENDED, false]);

        // ---- the Root freezes and unfreezes withdrawals (pending slash) ----
        const fromRoot = blockchain.sender(root.address);
        record('freeze', x, await x.send(fromRoot, { value: toNano('0.05') }, { $$type: 'FreezeWithdrawals', queryId: 0n }));
        record('unfreeze', x, await x.send(fromRoot, { value: toNano('0.05') }, { $$type: 'UnfreezeWithdrawals', queryId: 0n }));

        // ---- the worker exits, then withdraws everything once unbonded ----
        record('exit', w, await w.sendRequestExit(ws));
        expect(await status(w)).toBe(STATUS_EXITING);
        advance(7 * DAY + 60);
        record('withdraw', w, await w.sendWithdrawStake(ws));
        expect(await status(w)).toBe(STATUS_EXITED);

        // ---- equivocation evidence against a listed proxy: slash, jail, delist, pay ----
        expect([await status(y), await listed(y)]).toEqual([STATUS_ACTIVE, true]);
        const account = new Address(0, Buffer.alloc(32, 7));
        const v = { kind: KIND_CHARGE, account, seqno: 1n, tokens: 10n, commission: 0n, final: false } as const;
        const a = signedVoucherCell(signVoucher({ ...v, amount: 1n }, TEE_KEY.secretKey));
        const b = signedVoucherCell(signVoucher({ ...v, amount: 2n }, TEE_KEY.secretKey));
        record(
            'evidence.jails_delists',
            y,
            await y.send(stranger.getSender(), { value: toNano('0.2') }, { $$type: 'SubmitEvidence', queryId: 0n, a, b }),
        );
        expect([await status(y), await listed(y)]).toEqual([STATUS_JAILED, false]);
        complete = true;
    });

    it('runs a governance slash and a release', async () => {
        // Short delays, so the binding is still valid when the release runs.
        const env = await deployEnvironment({ params: { vetoWindow: 3600n, governanceDelay: 3600n } });
        const { blockchain, root, governance, stranger, advance } = env;
        const record = (op: string, provider: ProviderContract, result: SendMessageResult) => {
            if (measured[op]) throw new Error(`operation ${op} recorded twice`);
            measured[op] = measureAcross(result.transactions, provider.address, root.address);
        };
        const owner = await blockchain.treasury('proxy-owner');
        const z = await openProvider(blockchain, root.address, owner.address, 0n);
        await z.sendRegister(owner.getSender(), 'proxy', typicalProxy());
        await bind(blockchain, z, owner.getSender(), 'proxy');
        await z.sendStake(owner.getSender(), MIN_STAKE.proxy + toNano('200'));
        expect((await z.getState()).listed).toBe(true);
        const gov = governance.getSender();
        const slash = { owner: owner.address, amount: toNano('100'), reasonHash: 1n };

        record('slash.propose_freezes', z, await root.sendProposeSlash(gov, slash));
        record('slash.cancel_unfreezes', z, await root.sendCancelProposal(gov, 0n, 0n, ENFORCE_VALUE));
        expect((await z.getState()).withdrawalsFrozen).toBe(false);
        await root.sendProposeSlash(gov, slash);
        advance(3600 + 60);
        record('slash.execute_jails_delists', z, await root.sendExecuteProposal(stranger.getSender(), 1n, 0n, ENFORCE_VALUE));
        expect((await z.getState()).status).toBe(STATUS_JAILED);
        await root.sendProposeRelease(gov, { owner: owner.address });
        advance(3600 + 60);
        record('release.execute_activates_lists', z, await root.sendExecuteProposal(stranger.getSender(), 2n, 0n, ENFORCE_VALUE));
        const after = await z.getState();
        expect([after.status, after.listed]).toEqual([STATUS_ACTIVE, true]);
        releaseComplete = true;
    });

    it(UPDATE ? `writes ${SNAPSHOT_PATH}` : `matches ${SNAPSHOT_PATH} within ${TOLERANCE * 100}%`, () => {
        if (!complete || !releaseComplete) throw new Error('the operations did not all run (see the failure above); nothing to compare');
        if (UPDATE) {
            writeSection(CONTRACT, measured);
            return;
        }
        const snapshot = readSnapshot();
        if (!snapshot) throw new Error(`No gas snapshot at ${SNAPSHOT_PATH}. Create it with \`${UPDATE_COMMAND}\` and commit it.`);
        const problems = compareSection(CONTRACT, snapshot[CONTRACT], measured);
        if (problems.length > 0) {
            throw new Error(
                `Gas or fees moved by more than ${TOLERANCE * 100}% or operations changed:\n  ${problems.join('\n  ')}\n` +
                    `If this is intended, run \`${UPDATE_COMMAND}\` and commit snapshots/gas.json.`,
            );
        }
    });
});
