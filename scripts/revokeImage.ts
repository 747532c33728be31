/**
 * Removes roles from an allowlisted image, at once (governance or the guardian); the entry goes
 * when no role is left.
 *
 *     npx blueprint run revokeImage --testnet --mnemonic -- <imageHash> worker,proxy
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NOT_IN_ALLOWLIST, roleNames } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatHash } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'revokeImage', args: ['imageHash', 'roles: worker|proxy|worker,proxy'] });
    const imageHash = cli.hash('imageHash');
    const roles = cli.roles('roles');
    const rolesLeft = (mask: bigint) => (mask === 0n ? 'the entry is removed' : `still allowed for ${roleNames(mask).join(', ')}`);
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async (ctx) => {
            const old = (await ctx.read.images()).get(imageHash) ?? 0n;
            return [`revoke image ${formatHash(imageHash)} for ${roleNames(roles).join(', ')}; afterwards ${rolesLeft(old & ~roles)}`];
        },
        refuse: async (ctx) => {
            const old = (await ctx.read.images()).get(imageHash);
            if (old === undefined) return `image ${formatHash(imageHash)} is not allowlisted (${errorName(ERR_NOT_IN_ALLOWLIST)})`;
            if ((old & roles) === 0n) {
                return `image ${formatHash(imageHash)} is allowed for ${roleNames(old).join(', ')} only, not for ${roleNames(roles).join(', ')} (${errorName(ERR_NOT_IN_ALLOWLIST)})`;
            }
            return undefined;
        },
        send: (root, via, queryId) => root.sendRevokeImage(via, imageHash, roles, queryId),
        effect: async (read) => {
            const now = (await read.images()).get(imageHash) ?? 0n;
            return (now & roles) !== 0n
                ? undefined
                : [`Image ${formatHash(imageHash)} revoked for ${roleNames(roles).join(', ')}: ${rolesLeft(now)}.`];
        },
    });
}
