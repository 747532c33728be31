/**
 * The escrow scripts end to end, on a Root deployed from devnet.json by deployRoot (minimum escrow
 * reserve 0.5 TON, client close delay 600 s, protocol fee 1%) with an active, listed proxy set up
 * by the Provider scripts (registerProvider, bindAttestation with a TEE key file, stake). Vouchers
 * are signed with the proxy's TEE key by wrappers/vouchers.ts and passed in their text encoding.
 * Each refusal names the exit code of the generated wrapper and sends nothing (`h.refused`).
 */
import { readFileSync } from 'node:fs';
import { Address, fromNano, SenderArguments, toNano } from '@ton/core';
import { KeyPair, keyPairFromSeed } from '@ton/crypto';
import { BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import {
    ERR_ABOVE_AVAILABLE,
    ERR_CLOSE_TOO_EARLY,
    ERR_ESCROW_STATE,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_CLIENT,
    ERR_NOT_OWN_ACCOUNT,
    ERR_POOL_SHORT,
    ERR_VOUCHER_ACCOUNT,
    ERR_VOUCHER_DECREASING,
    ERR_VOUCHER_KIND,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    Escrow,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_OPEN,
    escrowFor,
    loadEscrowClosed,
    loadEscrowOpened,
    OPEN_OVERHEAD,
    payoutAccountFor,
} from '../../wrappers/Escrow';
import { ExtendedProvider } from '../../wrappers/Provider';
import { formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { encodeSignedVoucher, KIND_CHARGE, KIND_PAYOUT, signVoucher, Voucher } from '../../wrappers/vouchers';
import { errorName } from '../../scripts/lib/params';
import { createHarness, deployDevnetRoot, Harness, scratch, START } from './harness';

const HOUR = 3600;
const CLOSE_DELAY = 600;
const PROXY_IMAGE = 'c2'.repeat(32);
const MODEL = '0xa612ee38f457479a1154d043b577aa17461530d214b3f6c2c192d359f5363ba2';
const TEST_ROOT = formatHash256(TEST_ATTESTATION_ROOT_HASH);
const { write } = scratch('cocoon-escrow-');
const seed = Buffer.alloc(32, 7);
const proxyKey = keyPairFromSeed(seed);
const otherKey = keyPairFromSeed(Buffer.alloc(32, 8));
const TEE_KEY = '0x' + proxyKey.publicKey.toString('hex');

/** The exit code as the scripts name it: "ERR_X (exit code n)". */
const code = (c: bigint) => errorName(c);

/** A signed voucher in its text encoding, as a proxy hands it out. */
function voucher(key: KeyPair, v: Omit<Voucher, 'commission' | 'final'> & { commission?: bigint; final?: boolean }): string {
    return encodeSignedVoucher(signVoucher({ commission: 0n, final: false, ...v }, key.secretKey));
}

describe('Escrow scripts', () => {
    let h: Harness;
    let root: Address;
    let proxy: Address;
    let client: SandboxContract<TreasuryContract>;
    let workerOwner: SandboxContract<TreasuryContract>;
    let proxyOwner: SandboxContract<TreasuryContract>;
    let proxyNode: string[];
    let snapshot: BlockchainSnapshot;
    const T0 = START + HOUR;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        const at = ['--root', root.toString()];
        await h.run('proposeImage', [PROXY_IMAGE, 'proxy', ...at]);
        await h.run('proposeModel', [MODEL, ...at]);
        h.advance(HOUR);
        await h.run('executeProposal', ['0', ...at], h.stranger);
        await h.run('executeProposal', ['1', ...at], h.stranger);
        proxyOwner = await h.blockchain.treasury('proxy-owner');
        proxyNode = ['--node', '0', ...at];
        const [owner, node] = [proxyOwner, proxyNode];
        const profile = write('proxy.json', readFileSync('scripts/config/proxy-profile.example.json', 'utf8'));
        await h.run('registerProvider', ['proxy', profile, ...node], owner);
        const bound = await h.run(
            'bindAttestation',
            [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', write('proxy.seed', seed.toString('hex')), ...node],
            owner,
        );
        expect(bound).toContain('Binding accepted');
        const staked = await h.run('stake', ['50', ...node], owner);
        expect(staked).toContain("Listed in the Root's proxy directory");
        proxy = (await ExtendedProvider.forNode(root, owner.address, 0n)).address;
        client = await h.blockchain.treasury('client');
        workerOwner = await h.blockchain.treasury('worker-owner');
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = T0;
    });

    const escrowOf = async (c: Address = client.address, key: KeyPair = proxyKey) =>
        h.blockchain.openContract(await escrowFor(root, proxy, key.publicKey, c));
    const payoutOf = async (owner: Address = workerOwner.address, node = 0n) =>
        h.blockchain.openContract(await payoutAccountFor(root, proxy, proxyKey.publicKey, owner, node));
    const pool = () => h.blockchain.openContract(ExtendedProvider.fromAddress(proxy)).getPoolState();
    /** Names the client's escrow (or the worker's payout account) by the proxy. */
    const P = () => ['--proxy', proxy.toString()];
    const open = (deposit = '10', ...extra: string[]) =>
        h.run('openEscrow', [proxy.toString(), deposit, '--reserve', '1', ...extra], client);
    const charge = async (v: { seqno: bigint; tokens: bigint; amount: bigint; final?: boolean }, key = proxyKey) =>
        voucher(key, { kind: KIND_CHARGE, account: (await escrowOf()).address, ...v });
    const payout = async (v: { seqno: bigint; tokens: bigint; amount: bigint; commission: bigint; final?: boolean }) =>
        voucher(proxyKey, { kind: KIND_PAYOUT, account: (await payoutOf()).address, ...v });

    describe('happy paths', () => {
        it('client: open with a demand profile, show, top up, withdraw, close, finalize after the delay', async () => {
            const escrow = await escrowOf();
            const opened = await open(
                '10',
                '--model',
                MODEL,
                '--tokens-per-day',
                '5000000',
                '--prompt-tokens',
                '1200',
                '--completion-tokens',
                '350',
            );
            expect(opened).toContain(
                `Escrow: ${escrow.address.toString()} (raw ${escrow.address.toRawString()}) on custom (not deployed yet)`,
            );
            expect(opened).toContain(`  TEE key ${TEE_KEY}`);
            expect(opened).toContain(
                `Action: open an escrow with the proxy ${proxy.toString()} under its TEE key ${TEE_KEY}, deploying it:`,
            );
            expect(opened).toContain("  reserve       1 TON (the proxy's credit limit; the Root's minimum is 0.5 TON)");
            expect(opened).toContain(`  demand        model ${MODEL}`);
            expect(opened).toContain('5000000 tokens a day, prompts of 1200 tokens, completions of 350');
            expect(opened).toContain(`Sent with ${fromNano(toNano('10') + OPEN_OVERHEAD)} TON attached`);
            expect(opened).toContain('Escrow open: balance held 10 TON, reserve 1 TON, withdrawable 9 TON; close delay 10m (600 s).');
            expect(opened).toContain(`export ESCROW_ADDRESS=${escrow.address.toString()}`);
            const state = await escrow.getState();
            expect([state.status, state.balanceHeld, state.reserve, state.closeDelay]).toEqual([
                ESCROW_OPEN,
                toNano('10'),
                toNano('1'),
                BigInt(CLOSE_DELAY),
            ]);
            const event = h.provider.sent
                .at(-1)!
                .externals.filter((e) => e.info.src.equals(escrow.address))
                .map((e) => e.body.beginParse())
                .filter((s) => s.preloadUint(32) === Escrow.opcodes.EscrowOpened)
                .map(loadEscrowOpened)[0];
            expect(event.demand).toMatchObject({
                model: BigInt(MODEL),
                tokensPerDay: 5_000_000n,
                promptTokens: 1200n,
                completionTokens: 350n,
            });

            const shown = await h.run('showEscrow', ['--escrow', escrow.address.toString()], h.stranger);
            for (const line of [
                `  client  ${client.address.toString()}`,
                '  status           open',
                "  balance held     10 TON (the client's, not yet charged or withdrawn)",
                '  withdrawable     9 TON (withdrawEscrow)',
                '  tokens settled   0',
                '  close delay      10m (600 s)',
                `  TEE key       ${TEE_KEY}: the proxy's bound key: settles`,
                "  proxy status  active, listed in the Root's directory",
            ])
                expect(shown).toContain(line);
            expect(shown).not.toContain('WARNING');

            const topped = await h.run('topUpEscrow', ['2', ...P()], client);
            expect(topped).toContain('Action: top up the escrow by 2 TON: balance held 10 TON -> 12 TON');
            expect(topped).toContain('Topped up: balance held 10 TON -> 12 TON; withdrawable 11 TON.');
            expect((await escrow.getState()).balanceHeld).toBe(toNano('12'));

            const before = await client.getBalance();
            const withdrawn = await h.run('withdrawEscrow', ['3', ...P()], client);
            expect(withdrawn).toContain('Withdrew 3 TON to the client: balance held 12 TON -> 9 TON; withdrawable 8 TON.');
            expect((await client.getBalance()) - before).toBeGreaterThan(toNano('2.98'));
            const all = await h.run('withdrawEscrow', ['all', '--escrow', escrow.address.toString()], client);
            expect(all).toContain('Action: withdraw 8 TON (all that is withdrawable)');
            expect((await escrow.getState()).balanceHeld).toBe(toNano('1'));

            const closing = await h.run('closeEscrow', P(), client);
            expect(closing).toContain('Action: request a unilateral close: the close delay of 10m (600 s) starts');
            expect(closing).toContain(
                `Closing: finalizeEscrow pays out from 2025-06-15T16:16:40Z (in 10m) by the chain clock (closeAt ${T0 + CLOSE_DELAY}).`,
            );
            expect((await escrow.getState()).status).toBe(ESCROW_CLOSING);
            expect(await h.run('showEscrow', P(), client)).toContain(
                '  close at         2025-06-15T16:16:40Z (in 10m): the proxy may submit charge vouchers until then, finalizeEscrow pays out from then',
            );

            expect(await h.refused('finalizeEscrow', P(), client)).toContain(
                `Not sent: the close delay runs until 2025-06-15T16:16:40Z (in 10m) by the chain clock; the proxy may submit vouchers until then (${code(ERR_CLOSE_TOO_EARLY)})`,
            );
            h.advance(CLOSE_DELAY);
            const refundedFrom = await client.getBalance();
            const finalized = await h.run('finalizeEscrow', P(), client);
            expect(finalized).toContain('Closed: the balance held 1 TON and what else was above the storage buffer went to the client');
            expect(finalized).toContain('Charged in total: 0 TON for 0 tokens.');
            expect((await escrow.getState()).status).toBe(ESCROW_CLOSED);
            expect((await client.getBalance()) - refundedFrom).toBeGreaterThan(toNano('1'));
            expect(await h.run('showEscrow', P(), client)).toContain('  status           closed: closed for good');
        });

        it('anyone submits charges to the pool; claimPayout deploys the payout account and pays the worker; showPayout', async () => {
            await open('10');
            const escrow = await escrowOf();
            const submitted = await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 1000n, amount: toNano('2') })], h.stranger);
            expect(submitted).toContain('Action: submit charge voucher #1 to this escrow');
            expect(submitted).toContain('  amount  2 TON cumulative; charged so far 0 TON: settles 2 TON');
            expect(submitted).toContain("The proxy's pool receives 1.98 TON (protocol fee 1% (100 bps): 0.02 TON set aside).");
            expect(submitted).toContain('Settled voucher #1: charged 0 TON -> 2 TON, tokens 0 -> 1000; balance held 10 TON -> 8 TON.');
            expect(submitted).toContain("The proxy's pool: 0 TON -> 1.98 TON.");
            expect(await escrow.getState()).toMatchObject({ charged: toNano('2'), tokens: 1000n, seqno: 1n, balanceHeld: toNano('8') });
            expect((await pool()).pool).toBe(toNano('1.98'));

            // Beyond the balance: the escrow settles what it holds.
            const short = await h.run('submitCharge', [await charge({ seqno: 2n, tokens: 9000n, amount: toNano('12') })], client);
            expect(short).toContain(
                'The escrow holds only 8 TON: it settles that now; the other 2 TON needs a top-up and a later voucher (higher seqno, same totals).',
            );
            expect(await escrow.getState()).toMatchObject({ charged: toNano('10'), tokens: 9000n, seqno: 2n, balanceHeld: 0n });

            const account = await payoutOf();
            const paidFrom = await workerOwner.getBalance();
            const claimed = await h.run(
                'claimPayout',
                [await payout({ seqno: 1n, tokens: 9000n, amount: toNano('2.7'), commission: toNano('0.9') }), ...P()],
                workerOwner,
            );
            expect(claimed).toContain(`Payout account: ${account.address.toString()}`);
            expect(claimed).toContain('(not deployed yet: the first claimPayout deploys it)');
            expect(claimed).toContain('Action: claim payout voucher #1, deploying the payout account');
            expect(claimed).toContain(
                `  worker      2.7 TON to the worker owner ${workerOwner.address.toString()} (cumulative 0 TON -> 2.7 TON)`,
            );
            expect(claimed).toContain('Paid voucher #1: 2.7 TON to the worker owner');
            expect(claimed).toContain("The proxy's pool: 9.9 TON -> 6.3 TON.");
            expect(claimed).toContain(`export PAYOUT_ADDRESS=${account.address.toString()}`);
            expect(await account.getState()).toMatchObject({
                seqno: 1n,
                tokens: 9000n,
                paid: toNano('2.7'),
                commission: toNano('0.9'),
                final: false,
            });
            expect((await workerOwner.getBalance()) - paidFrom).toBeGreaterThan(toNano('2.65'));
            expect((await pool()).commissionReleased).toBe(toNano('0.9'));

            // Deployed: the voucher alone names it; a stranger claims the next one, final.
            const next = await h.run(
                'claimPayout',
                [await payout({ seqno: 2n, tokens: 9500n, amount: toNano('3'), commission: toNano('1'), final: true })],
                h.stranger,
            );
            expect(next).toContain('Action: claim payout voucher #2 (final: the account takes no voucher after it)');
            expect(next).toContain('The account is closed: it took its final voucher.');
            expect((await account.getState()).final).toBe(true);

            const shown = await h.run('showPayout', ['--payout', account.address.toString()], h.stranger);
            for (const line of [
                `  worker  node 0 of owner ${workerOwner.address.toString()}`,
                '  status           closed: a final payout voucher was accepted, no voucher after it is',
                '  paid             3 TON (to the worker owner, in total)',
                '  tokens paid for  9500',
                `  TEE key      ${TEE_KEY}: the proxy's bound key: settles`,
                '  pool covers  payouts up to 5.9 TON (worker amount plus commission)',
            ])
                expect(shown).toContain(line);
            const byWorker = await h.run('showPayout', P(), workerOwner);
            expect(byWorker).toContain(`Payout account: ${account.address.toString()}`);
            const other = await h.run('showPayout', [...P(), '--worker-node', '3'], workerOwner);
            expect(other).toContain('  status           not deployed: the first claimPayout deploys it');
        });

        it('cooperativeClose: the final charge voucher settles and refunds the client at once', async () => {
            await open('10');
            const escrow = await escrowOf();
            const refundFrom = await client.getBalance();
            const closed = await h.run(
                'cooperativeClose',
                [await charge({ seqno: 1n, tokens: 500n, amount: toNano('1.5'), final: true })],
                h.stranger,
            );
            expect(closed).toContain('Action: submit charge voucher #1 to this escrow (final: the escrow then closes cooperatively)');
            expect(closed).toContain(`Then the escrow refunds the client ${client.address.toString()} 8.5 TON`);
            expect(closed).toContain(`Closed cooperatively: the client ${client.address.toString()} got back 8.5 TON`);
            expect(await escrow.getState()).toMatchObject({ status: ESCROW_CLOSED, charged: toNano('1.5'), tokens: 500n, balanceHeld: 0n });
            expect((await client.getBalance()) - refundFrom).toBeGreaterThan(toNano('8.5'));
            const events = h.provider.sent
                .at(-1)!
                .externals.filter((e) => e.info.src.equals(escrow.address))
                .map((e) => loadEscrowClosed(e.body.beginParse()));
            expect(events).toEqual([expect.objectContaining({ charged: toNano('1.5'), refunded: toNano('8.5'), cooperative: true })]);
        });

        it('the proxy may still charge during the close delay', async () => {
            await open('5');
            await h.run('closeEscrow', P(), client);
            h.advance(CLOSE_DELAY - 60);
            const late = await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 10n, amount: toNano('1') })], h.stranger);
            expect(late).toContain('The escrow is closing: it takes vouchers until 2025-06-15T16:16:40Z (in 1m).');
            expect(late).toContain('Settled voucher #1');
            expect(await (await escrowOf()).getState()).toMatchObject({ status: ESCROW_CLOSING, charged: toNano('1') });
        });
        it("after a rebind the replaced key's escrow settles for one close delay, then its vouchers are refused", async () => {
            await open('5');
            const escrow = await escrowOf();
            const next = write('next.seed', Buffer.alloc(32, 9).toString('hex'));
            expect(
                await h.run('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', next, ...proxyNode], proxyOwner),
            ).toContain('Binding accepted');
            const shown = await h.run('showEscrow', P(), client);
            expect(shown).toContain(`Escrow: ${escrow.address.toString()}`);
            expect(shown).toContain("Note: no escrow under the proxy's bound key");
            expect(shown).toContain(`${TEE_KEY}: the key the proxy replaced: settles until 2025-06-15T16:16:40Z (in 10m)`);
            expect(await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 10n, amount: toNano('1') })], h.stranger)).toContain(
                'Settled voucher #1',
            );

            h.advance(CLOSE_DELAY);
            const stale = await h.run('showEscrow', ['--escrow', escrow.address.toString()], client);
            expect(stale).toContain(`${TEE_KEY}: the key the proxy replaced, whose grace ended 2025-06-15T16:16:40Z (now)`);
            expect(stale).toContain(`charge vouchers under this key would bounce at the proxy's Provider (${code(ERR_NOT_OWN_ACCOUNT)})`);
            expect(await h.refused('submitCharge', [await charge({ seqno: 2n, tokens: 20n, amount: toNano('2') })], h.stranger)).toContain(
                `the proxy's Provider would refuse the settlement (${code(ERR_NOT_OWN_ACCOUNT)}) and the escrow would undo it, with seqno 2 used up`,
            );
            expect(await h.refused('openEscrow', [proxy.toString(), '5', '--tee-key', TEE_KEY], h.stranger)).toContain(
                code(ERR_NOT_OWN_ACCOUNT),
            );
            expect(await h.run('closeEscrow', P(), client)).toContain('Closing: finalizeEscrow pays out from');
            expect((await escrow.getState()).charged).toBe(toNano('1'));
        });
        /**
         * Rebinds the proxy's key and moves to one second before the replaced key's grace ends;
         * returns a wallet whose message reaches the chain a second later: the scripts' checks pass,
         * then the proxy's Provider refuses.
         */
        const lateAfterRebind = async () => {
            await h.run(
                'bindAttestation',
                [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', write('next2.seed', '0a'.repeat(32)), ...proxyNode],
                proxyOwner,
            );
            h.advance(CLOSE_DELAY - 1);
            return {
                address: h.stranger.address,
                send: async (args: SenderArguments) => {
                    h.advance(1);
                    return h.stranger.send(args);
                },
            } as unknown as SandboxContract<TreasuryContract>;
        };
        const failure = (p: Promise<unknown>) =>
            p.then(
                () => 'succeeded',
                (e: Error) => e.message,
            );

        it("reports a settlement the proxy's Provider refuses after the checks (the replaced key's grace ends in flight)", async () => {
            await open('5');
            const escrow = await escrowOf();
            await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 10n, amount: toNano('2') })], h.stranger);
            const slow = await lateAfterRebind();
            expect(await failure(h.run('submitCharge', [await charge({ seqno: 2n, tokens: 20n, amount: toNano('3') })], slow))).toContain(
                `the proxy's Provider refused the settlement (${code(ERR_NOT_OWN_ACCOUNT)}: the escrow's key no longer settles there) and the escrow undid it; seqno 2 is used up`,
            );
            expect(await escrow.getState()).toMatchObject({ seqno: 2n, charged: toNano('2'), tokens: 10n, balanceHeld: toNano('3') });
        });

        it("reports a payout the proxy's Provider refuses after the checks: the account undoes it", async () => {
            await open('5');
            await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 10n, amount: toNano('2') })], h.stranger);
            const slow = await lateAfterRebind();
            const owner = ['--worker-owner', workerOwner.address.toString()];
            const voucherText = await payout({ seqno: 1n, tokens: 10n, amount: toNano('1'), commission: 0n });
            const message = await failure(h.run('claimPayout', [voucherText, ...P(), ...owner], slow));
            expect(message).toContain(
                `the proxy's Provider refused the payout (the account's key no longer settles there: ${code(ERR_NOT_OWN_ACCOUNT)})`,
            );
            expect(message).toContain('the account undid it; seqno 1 is used up');
            expect(await (await payoutOf()).getState()).toMatchObject({ seqno: 1n, paid: 0n, tokens: 0n });
        });
    });

    describe('refusals: Not sent, nothing sent', () => {
        it('openEscrow', async () => {
            expect(await h.refused('openEscrow', [proxy.toString(), '0.8', '--reserve', '1'], client)).toContain(
                `Not sent: the deposit 0.8 TON is below the reserve 1 TON (the escrow refuses it with ${code(ERR_INSUFFICIENT_VALUE)})`,
            );
            expect(await h.refused('openEscrow', [proxy.toString(), '5', '--reserve', '0.4'], client)).toContain(
                "Not sent: the reserve 0.4 TON is below the Root's minimum 0.5 TON: the Root's answer would refuse the opening",
            );
            const otherTee = '0x' + otherKey.publicKey.toString('hex');
            expect(await h.refused('openEscrow', [proxy.toString(), '5', '--tee-key', otherTee], client)).toContain(
                `Not sent: the TEE key ${otherTee} is not a key of this proxy (it has ${TEE_KEY} bound): the proxy's Provider would not credit this escrow's charges (${code(ERR_NOT_OWN_ACCOUNT)})`,
            );
            expect(await h.refused('openEscrow', [proxy.toString(), '5', '--client', h.stranger.address.toString()], client)).toContain(
                `is not the escrow's client ${h.stranger.address.toString()} (${code(ERR_NOT_CLIENT)})`,
            );
            expect(await h.refused('openEscrow', [proxy.toString(), '5', '--model', MODEL], client)).toContain(
                'a demand profile needs all of --model, --tokens-per-day, --prompt-tokens, --completion-tokens; --tokens-per-day is missing',
            );
            await open('5');
            expect(await h.refused('openEscrow', [proxy.toString(), '5'], client)).toContain(
                `Not sent: this client's escrow with the proxy under this key exists already: it is open (a second OpenEscrow is refused with ${code(ERR_ESCROW_STATE)}); topUpEscrow adds to it`,
            );
            expect(await h.refused('topUpEscrow', ['1', '--proxy', proxy.toString()], h.stranger)).toContain(
                `no escrow at ${(await escrowOf(h.stranger.address)).address.toString()}`,
            );
        });

        it('dry run of openEscrow prints the deploying message without sending', async () => {
            const sent = h.provider.sent.length;
            const dry = await h.run('openEscrow', [proxy.toString(), '5', '--dry-run'], client);
            expect(h.provider.sent.length).toBe(sent);
            expect(dry).toContain(`Dry run: nothing sent. The message to send from the client (${client.address.toString()}):`);
            expect(dry).toContain(`  value: ${fromNano(toNano('5') + OPEN_OVERHEAD)} TON`);
            expect(dry).toContain("  init:  the Escrow's StateInit (attach it: this message deploys the Escrow)");
            expect(await h.blockchain.provider((await escrowOf()).address).getState()).toMatchObject({ state: { type: 'uninit' } });
        });

        it('client actions: wrong sender, amounts above what is withdrawable, wrong status, closing too early', async () => {
            await open('5');
            const escrow = (await escrowOf()).address.toString();
            expect(await h.refused('topUpEscrow', ['1', '--escrow', escrow], h.stranger)).toContain(
                `Not sent: the connected wallet ${h.stranger.address.toString()} (raw ${h.stranger.address.toRawString()}) is not the escrow's client ${client.address.toString()} (${code(ERR_NOT_CLIENT)})`,
            );
            expect(await h.refused('withdrawEscrow', ['4.5', ...P()], client)).toContain(
                `Not sent: 4.5 TON is more than the withdrawable 4 TON: the balance held 5 TON less the reserve 1 TON (${code(ERR_ABOVE_AVAILABLE)})`,
            );
            await h.run('withdrawEscrow', ['all', ...P()], client);
            expect(await h.refused('withdrawEscrow', ['all', ...P()], client)).toContain(
                `Not sent: nothing is withdrawable: the balance held 1 TON does not exceed the reserve 1 TON (${code(ERR_ABOVE_AVAILABLE)})`,
            );
            expect(await h.refused('finalizeEscrow', P(), client)).toContain(
                `Not sent: the escrow is open; finalizing needs it closing or closed (${code(ERR_ESCROW_STATE)}); closeEscrow requests the close`,
            );
            expect(await h.refused('closeEscrow', ['--escrow', escrow], h.stranger)).toContain(code(ERR_NOT_CLIENT));
            await h.run('closeEscrow', P(), client);
            expect(await h.refused('closeEscrow', P(), client)).toContain(
                `Not sent: the escrow is closing: a close was requested; finalizeEscrow from 2025-06-15T16:16:40Z (in 10m); a close request needs it open (${code(ERR_ESCROW_STATE)})`,
            );
            expect(await h.refused('withdrawEscrow', ['0.1', ...P()], client)).toContain(
                `a withdrawal needs it open (${code(ERR_ESCROW_STATE)})`,
            );
            h.advance(CLOSE_DELAY);
            await h.run('finalizeEscrow', P(), client);
            expect(await h.refused('topUpEscrow', ['1', ...P()], client)).toContain(
                `Not sent: the escrow is closed: closed for good (a client opens one escrow per proxy key); a top-up needs it open or opening (${code(ERR_ESCROW_STATE)})`,
            );
            expect(await h.refused('finalizeEscrow', P(), client)).toContain('there is nothing to sweep');
            expect(await h.refused('showEscrow', [], client)).toContain('missing the escrow: pass --escrow <address>');
        });

        it('submitCharge and cooperativeClose: stale, decreasing, foreign and misdirected vouchers', async () => {
            await open('5');
            const first = await charge({ seqno: 3n, tokens: 100n, amount: toNano('1') });
            await h.run('submitCharge', [first], h.stranger);
            expect(await h.refused('submitCharge', [first], h.stranger)).toContain(
                `Not sent: the voucher is refused: seqno 3 is not above the last accepted 3 (the escrow refuses it with ${code(ERR_VOUCHER_NOT_NEWER)})`,
            );
            expect(await h.refused('submitCharge', [await charge({ seqno: 4n, tokens: 50n, amount: toNano('1') })], h.stranger)).toContain(
                `cumulative tokens 50 is below the last accepted 100 (the escrow refuses it with ${code(ERR_VOUCHER_DECREASING)})`,
            );
            expect(
                await h.refused('submitCharge', [await charge({ seqno: 4n, tokens: 100n, amount: toNano('2') }, otherKey)], h.stranger),
            ).toContain(`the signature does not verify under the expected key (the escrow refuses it with ${code(ERR_VOUCHER_SIGNATURE)})`);
            const payoutVoucher = await payout({ seqno: 1n, tokens: 1n, amount: 1n, commission: 0n });
            expect(await h.refused('submitCharge', [payoutVoucher], h.stranger)).toContain(
                `Not sent: a payout voucher: claimPayout submits it to the worker's payout account (an escrow refuses it with ${code(ERR_VOUCHER_KIND)})`,
            );
            expect(
                await h.refused('cooperativeClose', [await charge({ seqno: 4n, tokens: 100n, amount: toNano('2') })], h.stranger),
            ).toContain('Not sent: voucher #4 is not final: it settles without closing (submitCharge submits it)');
            expect(await h.refused('submitCharge', ['bm90IGEgdm91Y2hlcg=='], h.stranger)).toContain(
                'invalid voucher "bm90IGEgdm91Y2hlcg=="',
            );
            const voucherFile = write('voucher.txt', await charge({ seqno: 9n, tokens: 100n, amount: toNano('1') }));
            await h.run('closeEscrow', P(), client);
            h.advance(CLOSE_DELAY);
            expect(await h.refused('submitCharge', [`@${voucherFile}`], h.stranger)).toContain(
                `Not sent: the escrow takes no more vouchers: its close delay ended 2025-06-15T16:16:40Z (now) (${code(ERR_ESCROW_STATE)})`,
            );
        });

        it('claimPayout: pool short, replayed, for another worker, a charge voucher', async () => {
            await open('5');
            await h.run('submitCharge', [await charge({ seqno: 1n, tokens: 100n, amount: toNano('1') })], h.stranger);
            expect(
                await h.refused(
                    'claimPayout',
                    [await payout({ seqno: 1n, tokens: 100n, amount: toNano('0.9'), commission: toNano('0.1') }), ...P()],
                    workerOwner,
                ),
            ).toContain(
                `Not sent: the proxy's pool holds 0.99 TON, less than the 1 TON this voucher releases (worker 0.9 TON plus commission 0.1 TON): the Provider would refuse it (${code(ERR_POOL_SHORT)})`,
            );
            const ok = await payout({ seqno: 1n, tokens: 100n, amount: toNano('0.8'), commission: toNano('0.1') });
            expect(await h.refused('claimPayout', [ok, ...P()], h.stranger)).toContain(
                `is not the payout account of worker owner ${h.stranger.address.toString()}, node 0, with the proxy ${proxy.toString()} under TEE key ${TEE_KEY} (a voucher works only on the account it names: ${code(ERR_VOUCHER_ACCOUNT)})`,
            );
            expect(await h.refused('claimPayout', [ok], workerOwner)).toContain(
                'is not deployed yet; to deploy it with this claim, name its proxy with --proxy',
            );
            await h.run('claimPayout', [ok, ...P(), '--worker-owner', workerOwner.address.toString()], h.stranger);
            expect(await h.refused('claimPayout', [ok], h.stranger)).toContain(
                `Not sent: the voucher is refused: seqno 1 is not above the last accepted 1 (the payout account refuses it with ${code(ERR_VOUCHER_NOT_NEWER)})`,
            );
            expect(await h.refused('claimPayout', [await charge({ seqno: 2n, tokens: 1n, amount: toNano('1') })], h.stranger)).toContain(
                `Not sent: a charge voucher: submitCharge submits it to the client's escrow (a payout account refuses it with ${code(ERR_VOUCHER_KIND)})`,
            );
            expect(await (await payoutOf()).getState()).toMatchObject({ seqno: 1n, paid: toNano('0.8') });
        });
    });
});
