/**
 * Prints a Root's state, parameters, allowlists, pending proposals and proxy directory. Read-only.
 *
 *     ROOT_ADDRESS=<address> npx blueprint run showRoot --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Cli, ROOT_FLAGS } from './lib/args';
import { openRoot } from './lib/root';
import { printHeader, renderRoot } from './lib/show';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, { script: 'showRoot', flags: ROOT_FLAGS });
    const ctx = await openRoot(provider, cli);
    printHeader(ctx);
    for (const line of await renderRoot(ctx)) ctx.ui.write(line);
}
