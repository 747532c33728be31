/**
 * submitEvidence end to end, on a Root deployed from devnet.json by deployRoot (equivocation slash
 * 50%, reporter share 10% capped at 10 TON, the deployer as treasury) with an active, listed proxy
 * set up by the Provider scripts (registerProvider, bindAttestation with a TEE key file, stake 60,
 * unstake 10) and a client's escrow opened by openEscrow. Vouchers are signed with the proxy's TEE
 * key by wrappers/vouchers.ts and passed in their text encoding. Each refusal names the exit code
 * of the generated wrapper and sends nothing (`h.refused`). docs/contracts/slashing.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Address, Cell, toNano } from '@ton/core';
import { KeyPair, keyPairFromSeed } from '@ton/crypto';
import { BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { escrowFor, payoutAccountFor } from '../../wrappers/Escrow';
import {
    ERR_ALREADY_JAILED,
    ERR_EVIDENCE_SIGNATURE,
    ERR_EVIDENCE_UNRELATED,
    ERR_KEY_CONVICTED,
    ERR_NO_CONFLICT,
    ERR_NOT_PROXY,
    ERR_NOTHING_TO_SLASH,
    EVIDENCE_VALUE,
    ExtendedProvider,
    loadExcesses,
    loadSubmitEvidence,
    STATUS_ACTIVE,
    STATUS_JAILED,
} from '../../wrappers/Provider';
import { formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import {
    encodeSignedVoucher,
    KIND_CHARGE,
    KIND_PAYOUT,
    SignedVoucher,
    signedVoucherCell,
    signVoucher,
    Voucher,
} from '../../wrappers/vouchers';
import { errorName } from '../../scripts/lib/params';
import { messagesBetween } from '../helpers/root';
import { createHarness, Harness, listedProxyByScripts, scratch, START } from './harness';

const HOUR = 3600;
const PROXY_IMAGE = 'c2'.repeat(32);
const TEST_ROOT = formatHash256(TEST_ATTESTATION_ROOT_HASH);
const { dir, write } = scratch('cocoon-evidence-');
const seed = Buffer.alloc(32, 7);
const proxyKey = keyPairFromSeed(seed);
const otherKey = keyPairFromSeed(Buffer.alloc(32, 8));
const TEE_KEY = '0x' + proxyKey.publicKey.toString('hex');

/** The exit code as the scripts name it: "ERR_X (exit code n)". */
const code = (c: bigint) => errorName(c);

type Fields = Omit<Voucher, 'kind' | 'account' | 'commission' | 'final'> & { commission?: bigint; final?: boolean };

/** A signed voucher and its text encoding, as a proxy hands it out. */
function signed(key: KeyPair, kind: Voucher['kind'], account: Address, v: Fields): { sv: SignedVoucher; text: string } {
    const sv = signVoucher({ kind, account, commission: 0n, final: false, ...v }, key.secretKey);
    return { sv, text: encodeSignedVoucher(sv) };
}

describe('submitEvidence', () => {
    let h: Harness;
    let root: Address;
    let proxy: Address;
    let escrow: Address;
    let proxyOwner: SandboxContract<TreasuryContract>;
    let client: SandboxContract<TreasuryContract>;
    let reporter: SandboxContract<TreasuryContract>;
    let proxyNode: string[];
    let at: string[];
    let snapshot: BlockchainSnapshot;
    const T0 = START + HOUR;

    beforeAll(async () => {
        h = await createHarness();
        ({
            root,
            at,
            node: proxyNode,
            proxyOwner,
            proxy,
        } = await listedProxyByScripts(h, { image: PROXY_IMAGE, seed, stake: '60', write }));
        client = await h.blockchain.treasury('client');
        reporter = await h.blockchain.treasury('reporter');
        await h.run('openEscrow', [proxy.toString(), '10', '--reserve', '1'], client);
        escrow = (await escrowFor(root, proxy, proxyKey.publicKey, client.address)).address;
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = T0;
    });

    const provider = () => h.blockchain.openContract(ExtendedProvider.fromAddress(proxy));
    const charge = (v: Fields, key: KeyPair = proxyKey, account: Address = escrow) => signed(key, KIND_CHARGE, account, v);
    /** Two charge vouchers with the same seqno and different amounts. */
    const A = () => charge({ seqno: 5n, tokens: 100n, amount: toNano('1') });
    const B = () => charge({ seqno: 5n, tokens: 100n, amount: toNano('2') });
    const P = () => ['--proxy', proxy.toString()];

    describe('slashes', () => {
        it('same seqno, different content: the proxy found from the escrow, slashed, jailed, delisted; the reporter paid', async () => {
            const before = await provider().getState();
            expect([before.stake, before.unbonding, before.status, before.listed]).toEqual([
                toNano('50'),
                toNano('10'),
                STATUS_ACTIVE,
                true,
            ]);
            const reporterBefore = await reporter.getBalance();
            const out = await h.run('submitEvidence', [A().text, `@${write('b.txt', B().text)}`], reporter);
            for (const line of [
                `Provider: ${proxy.toString()} (raw ${proxy.toRawString()}) on custom`,
                `The proxy named by voucher A's escrow ${escrow.toString()} (its parties getter).`,
                `Action: submit equivocation evidence against this proxy: two charge vouchers for ${escrow.toString()}`,
                '  A  charge #5: tokens 100, amount 1 TON',
                '  B  charge #5: tokens 100, amount 2 TON',
                'Conflict: same seqno 5, different content (amount 1 TON vs 2 TON).',
                `Both signed by the proxy's bound key ${TEE_KEY}.`,
                'Expected slash, 50% (5000 bps) of stake and of unbonding: 25 TON of the stake 50 TON + 5 TON of the unbonding 10 TON = 30 TON',
                '  stake 50 TON -> 25 TON, unbonding 10 TON -> 5 TON',
                '  reporter (the sender): min(10% (1000 bps) of the slash = 3 TON, cap 10 TON) = 3 TON, with what is left of the 0.2 TON attached',
                `  treasury ${h.governance.address.toString()}: the rest, 27 TON`,
                `Then the Provider is jailed and delisted from the Root's proxy directory; the key ${TEE_KEY} settles no more here`,
                'Sent with 0.2 TON attached',
                'Slashed 30 TON: stake 50 TON -> 25 TON, unbonding 10 TON -> 5 TON.',
                'Status: active -> jailed.',
                'Slashes: 0 -> 1.',
                `The reporter got 3 TON with what was left of the value; the treasury ${h.governance.address.toString()} got 27 TON.`,
                `Convicted key: ${TEE_KEY}: it settles no more here and cannot be bound again.`,
                "Delisted: no longer in the Root's proxy directory.",
            ])
                expect(out).toContain(line);

            // On chain: the slash, the jail, the delisting, the convicted key, and who got what.
            const after = await provider().getState();
            expect([after.stake, after.unbonding, after.status, after.slashes, after.listed]).toEqual([
                toNano('25'),
                toNano('5'),
                STATUS_JAILED,
                1n,
                false,
            ]);
            expect(await h.rootAt(root).getProxy(proxy)).toBeNull();
            expect((await provider().getPayees())!.convictedKey).toBe(BigInt(TEE_KEY));
            expect((await provider().getPoolState()).teeKey).toBe(0n);
            const result = h.provider.sent.at(-1)!;
            const toReporter = messagesBetween(result, proxy, reporter.address);
            expect(toReporter).toHaveLength(1);
            expect(toReporter[0].value).toBeGreaterThan(toNano('3'));
            expect(toReporter[0].value).toBeLessThan(toNano('3') + EVIDENCE_VALUE);
            expect(loadExcesses(toReporter[0].body.beginParse()).$$type).toBe('Excesses');
            expect(messagesBetween(result, proxy, h.governance.address).map((m) => m.value)).toEqual([toNano('27')]);
            const gained = (await reporter.getBalance()) - reporterBefore;
            expect(gained).toBeGreaterThan(toNano('3') - EVIDENCE_VALUE);
            expect(gained).toBeLessThan(toNano('3'));

            // showProvider prints the payees getter with the convicted key.
            const shown = await h.run('showProvider', ['--provider', proxy.toString()], h.stranger);
            for (const line of [
                '  status         jailed',
                'Payees (the treasury and slashing terms the Provider last heard from its Root; docs/contracts/slashing.md)',
                `  treasury            ${h.governance.address.toString()}`,
                '  equivocation slash  50% (5000 bps) of stake and of unbonding',
                '  reporter share      10% (1000 bps) of a slash',
                '  reporter cap        10 TON',
                `  convicted key       ${TEE_KEY} (proven to equivocate: it settles no more here and cannot be bound again)`,
                '  slashes       1',
            ])
                expect(shown).toContain(line);

            // bindAttestation refuses the convicted key before sending (the contract's ERR_KEY_CONVICTED).
            const seedFile = join(dir, 'proxy.seed');
            expect(
                await h.refused('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+23h', '--tee-key-file', seedFile, ...proxyNode], proxyOwner),
            ).toContain(
                `Not sent: TEE key ${TEE_KEY} was proven to equivocate here (payees().convicted): the Provider never binds it again (${code(ERR_KEY_CONVICTED)})`,
            );
        });

        it("later seqno, lower cumulative commission (two payouts, --proxy): a payout account's vouchers", async () => {
            const workerOwner = await h.blockchain.treasury('worker-owner');
            const account = (await payoutAccountFor(root, proxy, proxyKey.publicKey, workerOwner.address, 0n)).address;
            const x = signed(proxyKey, KIND_PAYOUT, account, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: toNano('0.3') });
            const y = signed(proxyKey, KIND_PAYOUT, account, { seqno: 2n, tokens: 20n, amount: toNano('2'), commission: toNano('0.2') });
            // The account is not deployed: it cannot name its proxy.
            expect(await h.refused('submitEvidence', [y.text, x.text], reporter)).toContain(
                `voucher A's payout account ${account.toString()} is not deployed, so it cannot name its proxy: pass --proxy <address> or set PROXY_ADDRESS`,
            );
            const out = await h.run('submitEvidence', [y.text, x.text, ...P()], reporter);
            expect(out).toContain('  A  payout #2: tokens 20, amount 2 TON, commission 0.2 TON');
            expect(out).toContain("Conflict: later seqno, lower cumulative value: #2 has commission 0.2 TON, below #1's 0.3 TON.");
            expect(out).toContain('Status: active -> jailed.');
            expect((await provider().getState()).stake).toBe(toNano('25'));
        });

        it("counts the replaced key's vouchers after a rebind", async () => {
            const a = A();
            const b = charge({ seqno: 6n, tokens: 100n, amount: toNano('0.5') });
            const next = write('next.seed', Buffer.alloc(32, 9).toString('hex'));
            expect(
                await h.run('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', next, ...proxyNode], proxyOwner),
            ).toContain('Binding accepted');
            h.advance(2 * HOUR); // past the replaced key's settlement grace: its evidence still counts
            const out = await h.run('submitEvidence', [a.text, b.text], reporter);
            expect(out).toContain("Conflict: later seqno, lower cumulative value: #6 has amount 0.5 TON, below #5's 1 TON.");
            expect(out).toContain(`Both signed by the key the proxy replaced, ${TEE_KEY}.`);
            expect(out).toContain('Slashes: 0 -> 1.');
            const pool = await provider().getPoolState();
            expect([pool.teeKey !== 0n, pool.prevTeeKey]).toEqual([true, 0n]);
            expect((await provider().getPayees())!.convictedKey).toBe(BigInt(TEE_KEY));
        });

        it('--dry-run prints the message and sends nothing', async () => {
            const sent = h.provider.sent.length;
            const a = A();
            const b = B();
            const dry = await h.run('submitEvidence', [a.text, b.text, '--dry-run', ...P(), ...at], reporter);
            expect(h.provider.sent.length).toBe(sent);
            expect(dry).toContain('Dry run: nothing sent. The message to send:');
            expect(dry).toContain(`  to:    ${proxy.toString()} (raw ${proxy.toRawString()})`);
            expect(dry).toContain('  value: 0.2 TON');
            const body = /\n {2}body: {2}(\S+)/.exec(dry)![1];
            const msg = loadSubmitEvidence(Cell.fromBase64(body).beginParse());
            expect([msg.a.hash(), msg.b.hash()]).toEqual([signedVoucherCell(a.sv).hash(), signedVoucherCell(b.sv).hash()]);
            expect(await provider().getState()).toMatchObject({ status: STATUS_ACTIVE, stake: toNano('50'), slashes: 0n });
        });
    });

    describe('refusals: Not sent, nothing sent', () => {
        const refused = async (args: string[]) => {
            const message = await h.refused('submitEvidence', args, reporter);
            expect(message).toContain('Not sent: ');
            expect(await provider().getState()).toMatchObject({ status: STATUS_ACTIVE, slashes: 0n });
            return message;
        };

        it('identical vouchers', async () => {
            expect(await refused([A().text, A().text])).toContain(
                `Not sent: No conflict: the two vouchers are identical (seqno 5) (${code(ERR_NO_CONFLICT)})`,
            );
        });

        it('a consistent pair', async () => {
            const later = charge({ seqno: 6n, tokens: 150n, amount: toNano('1') });
            expect(await refused([later.text, A().text])).toContain(
                `Not sent: No conflict: seqno 5 then 6, with no cumulative value lower in the later one (consistent) (${code(ERR_NO_CONFLICT)})`,
            );
        });

        it('two accounts, two kinds', async () => {
            const elsewhere = (await escrowFor(root, proxy, proxyKey.publicKey, h.stranger.address)).address;
            expect(await refused([A().text, charge({ seqno: 5n, tokens: 100n, amount: toNano('2') }, proxyKey, elsewhere).text])).toContain(
                `Not sent: the vouchers are for two accounts (${escrow.toRawString()} and ${elsewhere.toRawString()}): evidence is two vouchers for one account and kind (${code(ERR_EVIDENCE_UNRELATED)})`,
            );
            const payout = signed(proxyKey, KIND_PAYOUT, escrow, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            expect(await refused([A().text, payout.text])).toContain(
                `Not sent: the vouchers are of two kinds (charge and payout): evidence is two vouchers for one account and kind (${code(ERR_EVIDENCE_UNRELATED)})`,
            );
        });

        it('a forged signature, a tampered voucher, another key', async () => {
            const forged = charge({ seqno: 5n, tokens: 100n, amount: toNano('2') }, otherKey);
            expect(await refused([A().text, forged.text])).toContain(
                `Not sent: voucher B is not signed by the key that signed voucher A, the proxy's bound key ${TEE_KEY}: a forged or tampered voucher, or another key's (${code(ERR_EVIDENCE_SIGNATURE)})`,
            );
            const b = B().sv;
            const tampered = encodeSignedVoucher({ voucher: { ...b.voucher, amount: toNano('9') }, signature: b.signature });
            expect(await refused([tampered, A().text])).toContain(
                `Not sent: voucher A is signed by neither of the proxy's keys (the proxy has the bound key ${TEE_KEY}, no replaced key remembered): a forged or tampered voucher, or another key's (${code(ERR_EVIDENCE_SIGNATURE)})`,
            );
            const other = charge({ seqno: 5n, tokens: 100n, amount: toNano('1') }, otherKey);
            expect(await refused([other.text, forged.text, ...P()])).toContain(code(ERR_EVIDENCE_SIGNATURE));
        });

        it('a Provider jailed already', async () => {
            await h.run('submitEvidence', [A().text, B().text], reporter);
            const third = charge({ seqno: 5n, tokens: 100n, amount: toNano('3') });
            for (const pair of [
                [A().text, B().text],
                [A().text, third.text],
            ]) {
                const message = await h.refused('submitEvidence', pair, reporter);
                expect(message).toContain(
                    `Not sent: the Provider is jailed for equivocation already (slashes: 1): evidence against it, this pair or another, pays nothing until governance releases it (${code(ERR_ALREADY_JAILED)})`,
                );
            }
            expect((await provider().getState()).stake).toBe(toNano('25'));
        });

        it("a worker's Provider", async () => {
            const workerOwner = await h.blockchain.treasury('worker-owner');
            const profile = write('worker.json', readFileSync('scripts/config/worker-profile.example.json', 'utf8'));
            await h.run('registerProvider', ['worker', profile, '--node', '0', ...at], workerOwner);
            const worker = (await ExtendedProvider.forNode(root, workerOwner.address, 0n)).address;
            expect(await refused([A().text, B().text, '--proxy', worker.toString()])).toContain(
                `Not sent: the Provider is a worker's, not a proxy's: only a proxy's key signs vouchers, so there is no key here to convict (${code(ERR_NOT_PROXY)})`,
            );
        });

        it('nothing staked or unbonding', async () => {
            await h.run('requestExit', proxyNode, proxyOwner);
            h.advance(2 * HOUR);
            await h.run('withdrawStake', proxyNode, proxyOwner);
            const state = await provider().getState();
            expect([state.stake, state.unbonding]).toEqual([0n, 0n]);
            const message = await h.refused('submitEvidence', [A().text, B().text], reporter);
            expect(message).toContain(
                `Not sent: the Provider has nothing staked or unbonding: there is nothing to slash or to pay a reporter from (${code(ERR_NOTHING_TO_SLASH)})`,
            );
        });

        it('bad arguments name the voucher', async () => {
            expect(await h.refused('submitEvidence', [A().text], reporter)).toContain('missing argument <voucherB>');
            expect(await h.refused('submitEvidence', [A().text, 'bm90IGEgdm91Y2hlcg=='], reporter)).toContain(
                'invalid voucherB "bm90IGEgdm91Y2hlcg=="',
            );
            expect(await h.refused('submitEvidence', [A().text, B().text, '--root', h.stranger.address.toString()], reporter)).toContain(
                `--root ${h.stranger.address.toString()} is not this Provider's Root`,
            );
        });
    });
});
