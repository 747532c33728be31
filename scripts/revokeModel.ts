/**
 * Removes a model from the allowlist, at once (governance or the guardian). The model is given by
 * its hash or as name@revision:weightsSha256.
 *
 *     npx blueprint run revokeModel --testnet --mnemonic -- <modelHash>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NOT_IN_ALLOWLIST } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatHash } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'revokeModel', args: ['model: modelHash|name@revision:weightsSha256'] });
    const { hash, spec } = cli.model('model');
    const name = spec ? `${formatHash(hash)} (${spec})` : formatHash(hash);
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async () => [`revoke model ${name}`],
        refuse: async (ctx) =>
            (await ctx.read.models()).includes(hash) ? undefined : `model ${name} is not allowlisted (${errorName(ERR_NOT_IN_ALLOWLIST)})`,
        send: (root, via, queryId) => root.sendRevokeModel(via, hash, queryId),
        effect: async (read) => ((await read.models()).includes(hash) ? undefined : [`Model ${name} revoked.`]),
    });
}
