/**
 * Proposes allowing a TDX image (hash over MRTD, RTMRs and config registers) for roles.
 *
 *     npx blueprint run proposeImage --testnet --mnemonic -- <imageHash> worker,proxy
 */
import type { NetworkProvider } from '@ton/blueprint';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeImage', args: ['imageHash', 'roles: worker|proxy|worker,proxy'] });
    const imageHash = cli.hash('imageHash');
    const roles = cli.roles('roles');
    await runProposal(provider, cli, () => ({ $$type: 'ProposeAddImage', queryId: 0n, imageHash, roles }));
}
