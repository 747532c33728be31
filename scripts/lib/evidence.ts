/**
 * Equivocation evidence (submitEvidence; docs/contracts/slashing.md): two conflicting vouchers
 * signed by a proxy's TEE key, submitted by anyone to that proxy's Provider. This module finds the
 * proxy (named, or from the vouchers' account: an escrow's or a payout account's `parties` getter
 * names it), checks the pair as the Provider's `convict` will, in its order, and computes what
 * the Provider would slash and pay from its `payees` getter.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address } from '@ton/core';
import { Escrow, escrowFor, PayoutAccount, payoutAccountFor } from '../../wrappers/Escrow';
import {
    ERR_ALREADY_JAILED,
    ERR_EVIDENCE_SIGNATURE,
    ERR_EVIDENCE_UNRELATED,
    ERR_NO_CONFLICT,
    ERR_NOT_PROXY,
    ERR_NOTHING_TO_SLASH,
    Payees,
    PoolState,
    ProviderState,
    ROLE_PROXY,
    STATUS_JAILED,
} from '../../wrappers/Provider';
import { KIND_CHARGE, kindName, relate, Relation, SignedVoucher, verifySignature, Voucher } from '../../wrappers/vouchers';
import { Cli, parseAddress } from './args';
import { ScriptError } from './errors';
import { keyBytes } from './escrow';
import { formatAddress, formatBps, formatHash, formatTon, friendly, Network } from './format';
import { errorName } from './params';
import { ProviderContext, providerAt, roleName } from './provider';
import { openReadable } from './reader';

/** The options of submitEvidence. */
export const EVIDENCE_FLAGS: Record<string, string | null> = { proxy: 'address', root: 'address', 'dry-run': null };

/** Which of the proxy's keys signed a pair of vouchers, as the contract decides it. */
export type Signer =
    { ok: true; key: bigint; which: 'bound' | 'replaced' } | { ok: false; voucher: 'A' | 'B'; key?: bigint; which?: 'bound' | 'replaced' };

/**
 * As `convict` does: the bound key if it signed A, else the key a rebind replaced (while the
 * Provider remembers it); B must be signed by the same key.
 */
export function signerOf(pool: PoolState, a: SignedVoucher, b: SignedVoucher): Signer {
    let key = pool.teeKey;
    let which: 'bound' | 'replaced' = 'bound';
    if (key === 0n || !verifySignature(a, keyBytes(key))) {
        key = pool.prevTeeKey;
        which = 'replaced';
        if (key === 0n || !verifySignature(a, keyBytes(key))) return { ok: false, voucher: 'A' };
    }
    if (!verifySignature(b, keyBytes(key))) return { ok: false, voucher: 'B', key, which };
    return { ok: true, key, which };
}

/** "the proxy's bound key X" or "the key the proxy replaced, X". */
export function keyLabel(key: bigint, which: 'bound' | 'replaced'): string {
    return which === 'bound' ? `the proxy's bound key ${formatHash(key)}` : `the key the proxy replaced, ${formatHash(key)}`;
}

/** The proxy's keys in words, for a signature refusal. */
function keysText(pool: PoolState): string {
    if (pool.teeKey === 0n && pool.prevTeeKey === 0n) return 'the proxy has no TEE key bound and remembers no replaced one';
    const bound = pool.teeKey === 0n ? 'no bound key' : `the bound key ${formatHash(pool.teeKey)}`;
    const prev = pool.prevTeeKey === 0n ? 'no replaced key remembered' : `the replaced key ${formatHash(pool.prevTeeKey)}`;
    return `the proxy has ${bound}, ${prev}`;
}

/** A voucher on one line: "charge #5: tokens 100, amount 1 TON". */
export function voucherLine(v: Voucher): string {
    const commission = v.kind === KIND_CHARGE ? '' : `, commission ${formatTon(v.commission)}`;
    return `${kindName(v.kind)} #${v.seqno}: tokens ${v.tokens}, amount ${formatTon(v.amount)}${commission}${v.final ? ', final' : ''}`;
}

const FIELDS = ['tokens', 'amount', 'commission'] as const;
const fieldValue = (v: Voucher, f: (typeof FIELDS)[number]) => (f === 'tokens' ? String(v[f]) : formatTon(v[f]));

/** Why two vouchers are unrelated, in words. */
function unrelated(a: Voucher, b: Voucher, why: 'different account' | 'different kind'): string {
    return why === 'different account'
        ? `the vouchers are for two accounts (${a.account.toRawString()} and ${b.account.toRawString()})`
        : `the vouchers are of two kinds (${kindName(a.kind)} and ${kindName(b.kind)})`;
}

/** How the two vouchers relate, in words: the conflict's shape, or why there is none. */
export function describeRelation(a: Voucher, b: Voucher, r: Relation = relate(a, b)): string {
    switch (r.type) {
        case 'unrelated':
            return `No conflict: ${unrelated(a, b, r.why)}`;
        case 'identical':
            return `No conflict: the two vouchers are identical (seqno ${a.seqno})`;
        case 'ordered':
            return `No conflict: seqno ${r.older.seqno} then ${r.newer.seqno}, with no cumulative value lower in the later one (consistent)`;
        case 'conflict': {
            if (r.shape === 'same seqno, different content') {
                const differ = FIELDS.filter((f) => a[f] !== b[f]).map((f) => `${f} ${fieldValue(a, f)} vs ${fieldValue(b, f)}`);
                if (a.final !== b.final) differ.push(`final ${a.final} vs ${b.final}`);
                return `Conflict: same seqno ${a.seqno}, different content (${differ.join(', ')})`;
            }
            const [older, newer] = a.seqno < b.seqno ? [a, b] : [b, a];
            const f = r.field!;
            return `Conflict: later seqno, lower cumulative value: #${newer.seqno} has ${f} ${fieldValue(newer, f)}, below #${older.seqno}'s ${fieldValue(older, f)}`;
        }
    }
}

/**
 * Why the Provider would refuse the evidence, naming its exit code, in the order `convict` checks;
 * undefined when it would slash. (The value attached, EVIDENCE_VALUE, is above MIN_VALUE_EVIDENCE.)
 */
export function evidenceRefusal(
    state: ProviderState,
    pool: PoolState,
    a: SignedVoucher,
    b: SignedVoucher,
    terms?: Payees | null,
): string | undefined {
    if (state.role !== ROLE_PROXY) {
        const what = state.role === 0n ? 'not registered' : `a ${roleName(state.role)}'s, not a proxy's`;
        return `the Provider is ${what}: only a proxy's key signs vouchers, so there is no key here to convict (${errorName(ERR_NOT_PROXY)})`;
    }
    // Jailed for equivocation (not by a governance slash, whose jail leaves the key answerable).
    if (state.status === STATUS_JAILED && (terms?.convictedJail ?? true)) {
        return `the Provider is jailed for equivocation already (slashes: ${state.slashes}): evidence against it, this pair or another, pays nothing until governance releases it (${errorName(ERR_ALREADY_JAILED)})`;
    }
    const signer = signerOf(pool, a, b);
    if (!signer.ok) {
        const why =
            signer.voucher === 'A'
                ? `voucher A is signed by neither of the proxy's keys (${keysText(pool)})`
                : `voucher B is not signed by the key that signed voucher A, ${keyLabel(signer.key!, signer.which!)}`;
        return `${why}: a forged or tampered voucher, or another key's (${errorName(ERR_EVIDENCE_SIGNATURE)})`;
    }
    const va = a.voucher;
    const vb = b.voucher;
    const r = relate(va, vb);
    if (r.type === 'unrelated') {
        return `${unrelated(va, vb, r.why)}: evidence is two vouchers for one account and kind (${errorName(ERR_EVIDENCE_UNRELATED)})`;
    }
    if (r.type !== 'conflict') return `${describeRelation(va, vb, r)} (${errorName(ERR_NO_CONFLICT)})`;
    if (state.stake + state.unbonding === 0n) {
        return `the Provider has nothing staked or unbonding: there is nothing to slash or to pay a reporter from (${errorName(ERR_NOTHING_TO_SLASH)})`;
    }
    if (terms && slashOf(state.stake, state.unbonding, terms).amount === 0n) {
        return `the slash rounds to 0 (${formatBps(terms.equivocationSlashBps)} of stake ${formatTon(state.stake)} and of unbonding ${formatTon(state.unbonding)}): nothing to slash or to pay a reporter from (${errorName(ERR_NOTHING_TO_SLASH)})`;
    }
    return undefined;
}

/** What `convict` takes and pays, from the stake, the unbonding stake and the Provider's terms. */
export interface Slash {
    fromStake: bigint;
    fromUnbonding: bigint;
    amount: bigint;
    /** min(amount × share, cap). */
    share: bigint;
    reward: bigint;
    toTreasury: bigint;
}

export function slashOf(stake: bigint, unbonding: bigint, terms: Payees): Slash {
    const fromStake = (stake * terms.equivocationSlashBps) / 10_000n;
    const fromUnbonding = (unbonding * terms.equivocationSlashBps) / 10_000n;
    return payout(fromStake, fromUnbonding, terms);
}

/** The reporter's reward and the treasury's part of a slash already taken. */
export function payout(fromStake: bigint, fromUnbonding: bigint, terms: Payees): Slash {
    const amount = fromStake + fromUnbonding;
    const share = (amount * terms.reporterShareBps) / 10_000n;
    const reward = share < terms.reporterRewardCap ? share : terms.reporterRewardCap;
    return { fromStake, fromUnbonding, amount, share, reward, toTreasury: amount - reward };
}

/**
 * The proxy's Provider: --proxy, else PROXY_ADDRESS, else the one the vouchers' account names in
 * its `parties` getter (an escrow for a charge voucher, a payout account for a payout voucher).
 */
export async function findAccused(provider: NetworkProvider, cli: Cli, v: Voucher): Promise<ProviderContext> {
    const flag = cli.option('proxy');
    const env = process.env.PROXY_ADDRESS?.trim();
    if (flag !== undefined) return providerAt(provider, cli, cli.parse('--proxy', flag, parseAddress), '--proxy');
    if (env) return providerAt(provider, cli, cli.parse('PROXY_ADDRESS', env, parseAddress), 'PROXY_ADDRESS');
    const network = provider.network();
    const account = v.account;
    const what = v.kind === KIND_CHARGE ? 'escrow' : 'payout account';
    if (!(await provider.isContractDeployed(account))) {
        cli.fail(
            `voucher A's ${what} ${friendly(account, network)} is not deployed, so it cannot name its proxy: pass --proxy <address> or set PROXY_ADDRESS`,
        );
    }
    const proxy = await proxyOfAccount(provider, account, v.kind === KIND_CHARGE, network);
    const ctx = await providerAt(provider, cli, proxy, `the proxy of voucher A's ${what}`);
    ctx.notes.push(`The proxy named by voucher A's ${what} ${friendly(account, network)} (its parties getter).`);
    return ctx;
}

/** The proxy in an escrow's or payout account's `parties` getter, checked against the address they give. */
async function proxyOfAccount(provider: NetworkProvider, account: Address, escrow: boolean, network: Network): Promise<Address> {
    const what = escrow ? 'Escrow' : 'PayoutAccount';
    let proxy: Address;
    let computed: Address;
    try {
        if (escrow) {
            const p = await openReadable(provider, Escrow.fromAddress(account)).getParties();
            proxy = p.proxy;
            computed = (await escrowFor(p.root, p.proxy, p.teeKey, p.client)).address;
        } else {
            const p = await openReadable(provider, PayoutAccount.fromAddress(account)).getParties();
            proxy = p.proxy;
            computed = (await payoutAccountFor(p.root, p.proxy, p.teeKey, p.workerOwner, p.workerNode)).address;
        }
    } catch (e) {
        throw new ScriptError(
            `voucher A's account ${formatAddress(account, network)} does not answer as a Cocoon ${what}: ${(e as Error).message}; pass --proxy <address>`,
        );
    }
    if (!computed.equals(account)) {
        throw new ScriptError(
            `voucher A's account ${formatAddress(account, network)} was built from other contract code than this checkout's (its parties give ${friendly(computed, network)}); pass --proxy <address>`,
        );
    }
    return proxy;
}
