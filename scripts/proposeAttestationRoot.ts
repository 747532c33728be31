/**
 * Proposes allowlisting an attestation root: the SHA-256 of a trusted quote-signing CA key.
 *
 *     npx blueprint run proposeAttestationRoot --testnet --mnemonic -- <rootHash>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeAttestationRoot', args: ['rootHash'] });
    const rootHash = cli.hash('rootHash');
    await runProposal(provider, cli, () => ({ $$type: 'ProposeAddAttestationRoot', queryId: 0n, rootHash }));
}
