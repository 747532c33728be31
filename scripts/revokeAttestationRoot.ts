/**
 * Removes an attestation root from the allowlist, at once (governance or the guardian).
 *
 *     npx blueprint run revokeAttestationRoot --testnet --mnemonic -- <rootHash>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NOT_IN_ALLOWLIST } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatRootHash } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'revokeAttestationRoot', args: ['rootHash'] });
    const rootHash = cli.hash('rootHash');
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async () => [`revoke attestation root ${formatRootHash(rootHash)}`],
        refuse: async (ctx) =>
            (await ctx.read.attestationRoots()).includes(rootHash)
                ? undefined
                : `attestation root ${formatRootHash(rootHash)} is not allowlisted (${errorName(ERR_NOT_IN_ALLOWLIST)})`,
        send: (root, via, queryId) => root.sendRevokeAttestationRoot(via, rootHash, queryId),
        effect: async (read) =>
            (await read.attestationRoots()).includes(rootHash) ? undefined : [`Attestation root ${formatRootHash(rootHash)} revoked.`],
    });
}
