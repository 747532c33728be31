/**
 * Removes the guardian at once: governance drops a compromised guardian, or the guardian resigns.
 *
 *     npx blueprint run removeGuardian --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NO_GUARDIAN } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatOptionalAddress } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'removeGuardian' });
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async (ctx) => [`remove the guardian ${formatOptionalAddress((await ctx.read.state()).guardian, ctx.network)}`],
        refuse: async (ctx) => ((await ctx.read.state()).guardian ? undefined : `the Root has no guardian (${errorName(ERR_NO_GUARDIAN)})`),
        send: (root, via, queryId) => root.sendRemoveGuardian(via, queryId),
        effect: async (read) => ((await read.state()).guardian ? undefined : ['The Root has no guardian now.']),
    });
}
