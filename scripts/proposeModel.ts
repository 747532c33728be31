/**
 * Proposes allowing a model, given by its hash or as name@revision:weightsSha256 (hashed as in
 * modelHash, wrappers/Root.ts).
 *
 *     npx blueprint run proposeModel --testnet --mnemonic -- Qwen/Qwen3-8B@main:<weightsSha256>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { formatHash } from './lib/format';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeModel', args: ['model: modelHash|name@revision:weightsSha256'] });
    const model = cli.model('model');
    if (model.spec) provider.ui().write(`Model ${model.spec} hashes to ${formatHash(model.hash)}`);
    await runProposal(provider, cli, () => ({ $$type: 'ProposeAddModel', queryId: 0n, modelHash: model.hash }));
}
