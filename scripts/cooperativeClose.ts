/**
 * Closes an escrow cooperatively with the proxy's final charge voucher (anyone may submit it): the
 * escrow settles the voucher and, in the same transaction, refunds the client everything above its
 * storage buffer. Refused for a voucher that is not final (submitCharge settles those), and for
 * whatever submitCharge refuses.
 *
 *     npx blueprint run cooperativeClose --testnet --mnemonic -- <final voucher>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runSubmitCharge } from './lib/charge';

export async function run(provider: NetworkProvider, args: string[]) {
    await runSubmitCharge(provider, args, 'cooperativeClose');
}
