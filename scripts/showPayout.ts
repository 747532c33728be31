/**
 * Prints a worker's payout account with a proxy: status (open, closed by a final voucher, or not
 * deployed yet), the last voucher's seqno, tokens paid for, the cumulative amounts paid to the
 * worker owner and released to the proxy as commission; whether its TEE key still settles at the
 * proxy's Provider, and the pool payouts draw from. Read-only.
 *
 *     npx blueprint run showPayout --testnet --deeplink -- --payout <address>
 *     npx blueprint run showPayout --testnet --mnemonic -- --proxy <proxy> --worker-node 0
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Cli } from './lib/args';
import { renderPayout } from './lib/escrowShow';
import { findPayout, PAYOUT_FLAGS, printPayoutHeader } from './lib/payout';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, { script: 'showPayout', flags: PAYOUT_FLAGS });
    const ctx = await findPayout(provider, cli);
    await printPayoutHeader(ctx);
    for (const line of await renderPayout(ctx)) ctx.ui.write(line);
}
