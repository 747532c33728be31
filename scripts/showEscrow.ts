/**
 * Prints a client's escrow: status (and when a requested close may be finalized, by the chain
 * clock), balance held, reserve, what is withdrawable, charged amount and tokens settled, the last
 * voucher's seqno, the close delay; whether its TEE key still settles at the proxy's Provider, the
 * Root's terms, and the proxy's status and pool. Read-only.
 *
 *     npx blueprint run showEscrow --testnet --deeplink -- --escrow <address>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Cli } from './lib/args';
import { ESCROW_FLAGS, findEscrow, printEscrowHeader } from './lib/escrow';
import { renderEscrow } from './lib/escrowShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, { script: 'showEscrow', flags: ESCROW_FLAGS });
    const ctx = await findEscrow(provider, cli);
    await printEscrowHeader(ctx);
    for (const line of await renderEscrow(ctx)) ctx.ui.write(line);
}
