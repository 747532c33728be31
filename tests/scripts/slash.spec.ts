/**
 * Governance slashes and releases through the scripts (proposeSlash, proposeRelease,
 * executeProposal, cancelProposal, showRoot), on a Root deployed from devnet.json by deployRoot
 * (veto window and governance delay 1 hour, the deployer as governance and treasury) with an
 * active, listed proxy set up by the Provider scripts (registerProvider, bindAttestation with a TEE
 * key file, stake 80, unstake 10: 70 TON staked, 10 TON unbonding). Each refusal names the exit
 * code of the generated wrapper and sends nothing (`h.refused`). docs/contracts/slashing.md.
 */
import { createHash } from 'node:crypto';
import { Address, Cell, fromNano, toNano } from '@ton/core';
import { BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { ExtendedProvider, loadExcesses, STATUS_ACTIVE, STATUS_JAILED } from '../../wrappers/Provider';
import {
    ENFORCE_VALUE,
    ERR_INVALID_SLASH,
    GOVERNANCE_VALUE,
    ERR_NOT_GOVERNANCE,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_PROPOSAL_TOO_EARLY,
    ERR_TOO_MANY_PROPOSALS,
    loadProposeRelease,
    MAX_PENDING_PROPOSALS,
    MIN_VALUE_ENFORCE,
} from '../../wrappers/Root';
import { formatTime } from '../../scripts/lib/format';
import { errorName } from '../../scripts/lib/params';
import { messagesBetween } from '../helpers/root';
import { createHarness, Harness, listedProxyByScripts, scratch, START } from './harness';

const HOUR = 3600;
const PROXY_IMAGE = 'c3'.repeat(32);
const REASON = 'ab'.repeat(32);
const { write } = scratch('cocoon-slash-');
const seed = Buffer.alloc(32, 9);
const ENFORCE = `${fromNano(ENFORCE_VALUE)} TON`;
const MINIMUM = `${fromNano(MIN_VALUE_ENFORCE)} TON`;

/** The exit code as the scripts name it: "ERR_X (exit code n)". */
const code = (c: bigint) => errorName(c);

describe('governance slash and release scripts', () => {
    let h: Harness;
    let root: Address;
    let proxy: Address;
    let proxyOwner: SandboxContract<TreasuryContract>;
    let at: string[];
    let target: string[];
    let label: string;
    let snapshot: BlockchainSnapshot;
    const T0 = START + HOUR;

    beforeAll(async () => {
        h = await createHarness();
        ({ root, at, proxyOwner, proxy } = await listedProxyByScripts(h, { image: PROXY_IMAGE, seed, stake: '80', write }));
        target = ['--owner', proxyOwner.address.toString(), ...at];
        label = `${proxy.toString()} (node 0 of ${proxyOwner.address.toString()})`;
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = T0;
    });

    const provider = () => h.blockchain.openContract(ExtendedProvider.fromAddress(proxy));
    const proposalCount = async () => (await h.rootAt(root).getState()).proposalCount;

    /** proposeSlash of `amount` TON with a hex reason, executed after the veto window by a stranger. */
    async function slash(amount: string, id: string) {
        await h.run('proposeSlash', [amount, REASON, ...target]);
        h.advance(HOUR);
        return h.run('executeProposal', [id, ...at], h.stranger);
    }

    it('proposeSlash -> showRoot -> too early -> executeProposal after the veto window: slashed to the treasury, jailed, delisted', async () => {
        const report = 'The proxy answered with a rolled-back ledger on 2025-06-15.\n';
        const file = write('incident.md', report);
        const hash = '0x' + createHash('sha256').update(report).digest('hex');
        const proposed = await h.run('proposeSlash', ['15', `@${file}`, ...target]);
        for (const line of [
            `Reason hash ${hash}: the SHA-256 of ${file} (${Buffer.byteLength(report)} bytes).`,
            `Action: propose to slash up to 15 TON of the Provider ${label}, reason ${hash}`,
            '  it holds 70 TON staked and 10 TON unbonding now (proxy, active, listed, withdrawals not frozen)',
            `  as it stands the slash takes 15 TON of the stake and 0 TON of the unbonding, 15 TON in all, for the treasury ${h.governance.address.toString()}`,
            "  then it is jailed and delisted from the Root's proxy directory",
            `Executable after the veto window of 1h (3600 s), from ${formatTime(T0 + HOUR)} (in 1h) by the chain clock, by anyone (executeProposal attaches ${ENFORCE}, at least ${MINIMUM})`,
            "The Provider's withdrawals freeze at once",
            `Sent with ${ENFORCE} attached (what the Root does not spend comes back)`,
            'Proposal #1 created:',
            "The Provider's withdrawals are frozen (withdrawalsFrozen) until the slash is executed or cancelled.",
        ])
            expect(proposed).toContain(line);
        expect((await provider().getState()).withdrawalsFrozen).toBe(true);
        const stored = await h.rootAt(root).getProposal(1n);
        expect(stored!.executeAfter).toBe(BigInt(T0 + HOUR));

        const shown = await h.run('showRoot', at, h.stranger);
        expect(shown).toContain(`#1 ProposeSlash: slash up to 15 TON of the Provider ${label}, reason ${hash}`);
        expect(shown).toContain('status: in its veto window, executable in 1h; until executed, governance or the guardian may cancel it');

        const early = await h.refused('executeProposal', ['1', ...at], h.stranger);
        expect(early).toContain(code(ERR_PROPOSAL_TOO_EARLY));

        h.advance(HOUR);
        const executed = await h.run('executeProposal', ['1', ...at], h.stranger);
        for (const line of [
            `Attaches ${ENFORCE} (at least ${MINIMUM})`,
            'Its withdrawals unfreeze with this slash (no other slash of it is pending).',
            `Sent with ${ENFORCE} attached (what the Provider does not spend comes back)`,
            `Proposal #1 executed: slashed 15 TON of the Provider ${label} (proposed: up to 15 TON).`,
            `  stake 70 TON -> 55 TON, unbonding 10 TON -> 10 TON; the treasury ${h.governance.address.toString()} received 15 TON.`,
            'Status: active -> jailed.',
            'Withdrawals unfrozen.',
            'Slashes: 0 -> 1.',
            "Delisted: no longer in the Root's proxy directory.",
        ])
            expect(executed).toContain(line);

        const after = await provider().getState();
        expect([after.stake, after.unbonding, after.status, after.withdrawalsFrozen, after.listed, after.slashes]).toEqual([
            toNano('55'),
            toNano('10'),
            STATUS_JAILED,
            false,
            false,
            1n,
        ]);
        expect(await h.rootAt(root).getProxy(proxy)).toBeNull();
        const result = h.provider.sent.at(-1)!;
        expect(messagesBetween(result, proxy, h.governance.address).map((m) => m.value)).toEqual([toNano('15')]);
        const back = messagesBetween(result, proxy, h.stranger.address);
        expect(back).toHaveLength(1);
        expect(loadExcesses(back[0].body.beginParse()).queryId).toBe(1n);
    });

    it('proposeRelease -> executeProposal after the governance delay: the released proxy is active and listed again', async () => {
        await slash('15', '1');
        const proposed = await h.run('proposeRelease', ['--provider', proxy.toString(), ...at]);
        for (const line of [
            `Action: propose to release the Provider ${label} from jail`,
            "  it is jailed; released now it would be active: its binding is valid and it stakes 55 TON, and list itself in the Root's proxy directory",
            'Executable after the governance delay of 1h (3600 s), by anyone.',
            `Sent with ${fromNano(GOVERNANCE_VALUE)} TON attached`,
            'Proposal #2 created:',
        ])
            expect(proposed).toContain(line);
        h.advance(HOUR);
        const executed = await h.run('executeProposal', ['2', ...at], h.stranger);
        for (const line of [
            `Sent with ${ENFORCE} attached (what the Provider does not spend comes back)`,
            `Proposal #2 executed: the Provider ${label} is released.`,
            'Status: jailed -> active.',
            "Listed in the Root's proxy directory again.",
        ])
            expect(executed).toContain(line);
        const after = await provider().getState();
        expect([after.status, after.listed, after.stake]).toEqual([STATUS_ACTIVE, true, toNano('55')]);
        expect(await h.rootAt(root).getProxy(proxy)).not.toBeNull();
    });

    it('an amount above what the Provider holds is capped, stake first then unbonding; a release would leave it registered', async () => {
        const proposed = await h.run('proposeSlash', ['100', REASON, ...target]);
        expect(proposed).toContain(
            `  as it stands the slash takes 70 TON of the stake and 10 TON of the unbonding, 80 TON in all, for the treasury ${h.governance.address.toString()}: capped at what it holds, 20 TON less than the amount`,
        );
        h.advance(HOUR);
        const executed = await h.run('executeProposal', ['1', ...at], h.stranger);
        expect(executed).toContain(`Proposal #1 executed: slashed 80 TON of the Provider ${label} (proposed: up to 100 TON).`);
        expect(executed).toContain('  stake 70 TON -> 0 TON, unbonding 10 TON -> 0 TON');
        expect(messagesBetween(h.provider.sent.at(-1)!, proxy, h.governance.address).map((m) => m.value)).toEqual([toNano('80')]);

        // A multisig governance gets the message to send; it would release the proxy unstaked.
        const dry = await h.run('proposeRelease', [...target, '--dry-run'], h.stranger);
        expect(dry).toContain(
            '  it is jailed; released now it would be registered: its stake 0 TON is below the minimum 50 TON it last heard from the Root',
        );
        const body = loadProposeRelease(Cell.fromBase64(/body:\s+(\S+)/.exec(dry)![1]).beginParse());
        expect([body.owner.equals(proxyOwner.address), body.nodeIndex]).toEqual([true, 0n]);
    });

    it('cancelProposal of a slash unfreezes the Provider, unless another slash of it is pending', async () => {
        await h.run('proposeSlash', ['5', REASON, ...target]);
        const second = await h.run('proposeSlash', ['7', REASON, ...target]);
        expect(second).toContain('and slash #1 of it is pending already');
        expect(await h.refused('cancelProposal', ['1', ...at], h.stranger)).toContain(code(ERR_NOT_GOVERNANCE_OR_GUARDIAN));

        const first = await h.run('cancelProposal', ['1', ...at]);
        expect(first).toContain("Cancelling it leaves the Provider's withdrawals frozen: slash #2 of it is still pending.");
        expect(first).toContain(`The withdrawals of the Provider ${label} stay frozen: slash #2 of it is still pending.`);
        expect((await provider().getState()).withdrawalsFrozen).toBe(true);

        const last = await h.run('cancelProposal', ['2', ...at]);
        expect(last).toContain(
            "Cancelling it unfreezes the Provider's withdrawals (the Root sends it UnfreezeWithdrawals): no other slash of it is pending.",
        );
        expect(last).toContain(`Sent with ${ENFORCE} attached`);
        expect(last).toContain('Proposal #2 cancelled.');
        expect(last).toContain(`The withdrawals of the Provider ${label} are unfrozen.`);
        const after = await provider().getState();
        expect([after.withdrawalsFrozen, after.status, after.stake]).toEqual([false, STATUS_ACTIVE, toNano('70')]);
    });

    describe('refusals send nothing', () => {
        it('a wallet other than governance', async () => {
            const message = await h.refused('proposeSlash', ['15', REASON, ...target], h.stranger);
            expect(message).toContain(
                `is not governance (${h.governance.address.toString()}); the Root refuses it with ${code(ERR_NOT_GOVERNANCE)}`,
            );
            expect(await h.refused('proposeRelease', target, h.stranger)).toContain(code(ERR_NOT_GOVERNANCE));
        });

        it('an amount of 0', async () => {
            expect(await h.refused('proposeSlash', ['0', REASON, ...target])).toContain(
                `Not sent: the amount is 0: the Root refuses a slash of nothing (${code(ERR_INVALID_SLASH)})`,
            );
        });

        it('a Provider that is not deployed: the freeze would bounce and the proposal be dropped', async () => {
            const missing = await ExtendedProvider.forNode(root, proxyOwner.address, 1n);
            const byOwner = await h.refused('proposeSlash', ['15', REASON, ...target, '--node', '1']);
            expect(byOwner).toContain(
                `Not sent: no Provider is deployed at ${missing.address.toString()} (node 1 of ${proxyOwner.address.toString()}): the Root's FreezeWithdrawals would bounce and the Root would drop the proposal`,
            );
            const byAddress = await h.refused('proposeSlash', ['15', REASON, '--provider', missing.address.toString(), ...at]);
            expect(byAddress).toContain('no contract is deployed at');
            expect(await h.refused('proposeRelease', [...target, '--node', '1'])).toContain('there is nothing to release');
            expect(await proposalCount()).toBe(0n);
        });

        it('a release of a Provider that is not jailed, or one already pending', async () => {
            expect(await h.refused('proposeRelease', target)).toContain(
                `Not sent: the Provider ${label} is active, not jailed: a release would change nothing`,
            );
            await slash('15', '1');
            await h.run('proposeRelease', target);
            expect(await h.refused('proposeRelease', target)).toContain('a release of this Provider is pending already (#2)');
        });

        it('full proposal slots', async () => {
            const r = h.rootAt(root);
            for (let i = 0n; i < MAX_PENDING_PROPOSALS; i++) {
                await r.sendProposeSlash(h.governance.getSender(), { owner: proxyOwner.address, amount: toNano('1'), reasonHash: i + 1n });
            }
            expect(await proposalCount()).toBe(MAX_PENDING_PROPOSALS);
            expect(await h.refused('proposeSlash', ['15', REASON, ...target])).toContain(code(ERR_TOO_MANY_PROPOSALS));
        });

        it('bad arguments', async () => {
            expect(await h.refused('proposeSlash', ['15', 'not-a-hash', ...target])).toContain(
                'expected a 64-hex-digit reason hash (0x optional) or @<file> whose SHA-256 becomes the hash',
            );
            expect(await h.refused('proposeSlash', ['15', REASON, '--provider', proxy.toString(), ...target])).toContain(
                'give either --provider <address> or --owner <address> [--node <index>], not both',
            );
            expect(await h.refused('proposeRelease', ['--node', '0', ...at])).toContain('pass --owner too');
        });
    });
});
