/**
 * Proposes handing governance to a new address. After executeProposal, the new governance must
 * send acceptGovernance itself; until then the current governance stays in charge.
 *
 *     npx blueprint run proposeGovernance --testnet --mnemonic -- <newGovernance>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeGovernance', args: ['newGovernance'] });
    const newGovernance = cli.address('newGovernance');
    await runProposal(provider, cli, () => ({ $$type: 'ProposeGovernance', queryId: 0n, newGovernance }));
}
