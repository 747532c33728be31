/**
 * Lifts a pause (governance only: unpausing restores trust).
 *
 *     npx blueprint run unpause --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'unpause' });
    await runAction(provider, cli, {
        authority: 'governance',
        describe: async () => ['unpause the Root'],
        refuse: async (ctx) => ((await ctx.read.state()).paused ? undefined : 'the Root is not paused'),
        send: (root, via, queryId) => root.sendUnpause(via, queryId),
        effect: async (read) => ((await read.state()).paused ? undefined : ['The Root is no longer paused.']),
    });
}
