/**
 * Hand-written helpers over the generated Escrow and PayoutAccount wrappers
 * (build/Provider/tact_Escrow.ts and tact_PayoutAccount.ts: the Provider's build compiles both,
 * since the Provider computes their addresses). Everything generated is re-exported.
 * docs/contracts/escrow.md describes the contracts; wrappers/vouchers.ts the vouchers.
 */
import { Address, beginCell, Cell, toNano } from '@ton/core';
import { Escrow, storeEscrowIdentity, storeSubmitCharge } from '../build/Provider/tact_Escrow';
import { PayoutAccount, storeSubmitPayout } from '../build/Provider/tact_PayoutAccount';
import { SignedVoucher, voucherCell } from './vouchers';

export * from '../build/Provider/tact_Escrow';
export { PayoutAccount, storeSubmitPayout } from '../build/Provider/tact_PayoutAccount';

/**
 * What OpenEscrow must carry on top of the deposit: the escrow's storage buffer, the Root query
 * and the gas allowance (ESCROW_STORAGE_BUFFER + ESCROW_ROOT_QUERY_VALUE + ESCROW_GAS_ALLOWANCE).
 * The deposit is the message value minus this, and must be at least the reserve.
 */
export const OPEN_OVERHEAD = toNano('0.11');
/** Attached to a voucher submission by the helpers (the contracts' minimum is MIN_VALUE_SUBMIT). */
export const SUBMIT_VALUE = toNano('0.05');
/** Attached to a client's withdraw, close request or finalize. */
export const CLIENT_ACTION_VALUE = toNano('0.05');
/** Attached to a commission withdrawal or SendProtocolFee (the minimum is MIN_VALUE_COMMISSION). */
export const COMMISSION_VALUE = toNano('0.05');

export const ESCROW_STATUS_NAMES: Record<number, string> = {
    0: 'new',
    1: 'opening',
    2: 'open',
    3: 'closing',
    4: 'closed',
};

/** An Ed25519 public key as the contracts hold it. */
export function teeKeyInt(publicKey: Buffer | bigint): bigint {
    return typeof publicKey === 'bigint' ? publicKey : BigInt('0x' + publicKey.toString('hex'));
}

/** The escrow of `client` with the proxy Provider `proxy` under the proxy's TEE key. */
export function escrowFor(root: Address, proxy: Address, teeKey: Buffer | bigint, client: Address): Promise<Escrow> {
    return Escrow.fromInit(root, escrowParties(proxy, teeKey, client));
}

/** The cell an escrow is initialised with (an EscrowIdentity): proxy, TEE key, client. */
export function escrowParties(proxy: Address, teeKey: Buffer | bigint, client: Address): Cell {
    return beginCell()
        .store(storeEscrowIdentity({ $$type: 'EscrowIdentity', proxy, teeKey: teeKeyInt(teeKey), client }))
        .endCell();
}

/** The payout account of a worker (its owner and node index) with a proxy under its TEE key. */
export function payoutAccountFor(
    root: Address,
    proxy: Address,
    teeKey: Buffer | bigint,
    workerOwner: Address,
    workerNode: bigint | number,
): Promise<PayoutAccount> {
    return PayoutAccount.fromInit(root, proxy, teeKeyInt(teeKey), workerOwner, BigInt(workerNode));
}

/** SubmitCharge carrying a signed charge voucher (the voucher as its own cell). */
export function submitChargeBody(sv: SignedVoucher, queryId = 0n): Cell {
    return beginCell()
        .store(storeSubmitCharge({ $$type: 'SubmitCharge', queryId, signature: sv.signature, voucher: voucherCell(sv.voucher) }))
        .endCell();
}

/** SubmitPayout carrying a signed payout voucher. */
export function submitPayoutBody(sv: SignedVoucher, queryId = 0n): Cell {
    return beginCell()
        .store(storeSubmitPayout({ $$type: 'SubmitPayout', queryId, signature: sv.signature, voucher: voucherCell(sv.voucher) }))
        .endCell();
}
