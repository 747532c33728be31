/**
 * Prints a Provider's state: role, status (and the status a re-check would set), stake and
 * unbonding with the unlock time by the chain clock, its proxy listing against the Root's
 * directory, its binding and whether the Root still allows it, its profile in human units, the
 * Root parameters it last heard, the treasury and slashing terms it last heard (the payees getter)
 * with the key a slash convicted, if any, and its counters. Read-only.
 *
 *     PROVIDER_ADDRESS=<address> npx blueprint run showProvider --testnet --deeplink
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Cli } from './lib/args';
import { openProvider, PROVIDER_FLAGS, printProviderHeader } from './lib/provider';
import { renderProvider } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, { script: 'showProvider', flags: PROVIDER_FLAGS });
    const ctx = await openProvider(provider, cli);
    printProviderHeader(ctx);
    for (const line of await renderProvider(ctx)) ctx.ui.write(line);
}
