/**
 * Pauses the Root at once (governance or the guardian): no proxy can list itself, and only
 * governance may execute proposals, until governance runs unpause.
 *
 *     npx blueprint run pause --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'pause' });
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async () => ['pause the Root'],
        refuse: async (ctx) => ((await ctx.read.state()).paused ? 'the Root is paused already' : undefined),
        send: (root, via, queryId) => root.sendPause(via, queryId),
        effect: async (read) => ((await read.state()).paused ? ['The Root is paused.'] : undefined),
    });
}
