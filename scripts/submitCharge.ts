/**
 * Submits a proxy-signed charge voucher to the escrow it names (anyone may: the proxy, the client,
 * a relayer). The escrow moves the difference of its cumulative amount over what is charged, as
 * far as the balance held goes, to the proxy's pool; a final voucher also closes the escrow
 * cooperatively. The voucher is its text encoding (encodeSignedVoucher, wrappers/vouchers.ts) or
 * @<file> holding it; the script checks it against the escrow's state and key and the proxy's
 * keys, and refuses what a contract would refuse.
 *
 *     npx blueprint run submitCharge --testnet --mnemonic -- <voucher>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runSubmitCharge } from './lib/charge';

export async function run(provider: NetworkProvider, args: string[]) {
    await runSubmitCharge(provider, args, 'submitCharge');
}
