/**
 * Revoking trust is immediate and the guardian may do it too: attestation roots, images (per role)
 * and models. Also the guardian's own removal.
 */
import '@ton/test-utils';
import {
    ERR_INVALID_ROLES,
    ERR_NO_GUARDIAN,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_NOT_IN_ALLOWLIST,
    ROLE_PROXY,
    ROLE_WORKER,
    ROLES_ALL,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { Actor, HASHES } from '../fixtures/environment';
import { excessesTo, expectAccepted, proposeAndExecute, refuses, sharedEnvironment } from '../helpers/root';

const ctx = sharedEnvironment();
const revokers = ['guardian', 'governance'] as const;

describe('revocation', () => {
    describe.each(revokers)('by %s', (who) => {
        const actor = (): Actor => ctx.env[who];

        it('RevokeAttestationRoot removes the root in the same transaction', async () => {
            const { env } = ctx;
            const before = await env.root.getState();
            expect(await env.root.getIsAttestationRootAllowed(HASHES.root)).toBe(true);
            const r = await env.root.sendRevokeAttestationRoot(actor().getSender(), HASHES.root, 3n);
            expectAccepted(r, actor().address, env.root.address);
            expect(excessesTo(r, env.root.address, actor().address).queryId).toBe(3n);
            expect(await env.root.getIsAttestationRootAllowed(HASHES.root)).toBe(false);
            expect((await env.root.getAttestationRoots()).has(HASHES.root)).toBe(false);
            const after = await env.root.getState();
            expect(after.attestationRootCount).toBe(before.attestationRootCount - 1n);
            expect(after.configVersion).toBe(before.configVersion + 1n);
            // the other root is untouched
            expect(await env.root.getIsAttestationRootAllowed(TEST_ATTESTATION_ROOT_HASH)).toBe(true);
        });

        it('RevokeModel removes the model in the same transaction', async () => {
            const { env } = ctx;
            const before = await env.root.getState();
            const r = await env.root.sendRevokeModel(actor().getSender(), HASHES.model);
            expectAccepted(r, actor().address, env.root.address);
            expect(await env.root.getIsModelAllowed(HASHES.model)).toBe(false);
            expect((await env.root.getModels()).size).toBe(0);
            expect((await env.root.getState()).modelCount).toBe(before.modelCount - 1n);
        });

        it('RevokeImage with every role the image has removes the entry', async () => {
            const { env } = ctx;
            const before = await env.root.getState();
            for (const [image, roles] of [
                [HASHES.workerImage, ROLE_WORKER],
                [HASHES.proxyImage, ROLE_PROXY],
                [HASHES.bothImage, ROLES_ALL],
            ]) {
                expectAccepted(await env.root.sendRevokeImage(actor().getSender(), image, roles), actor().address, env.root.address);
                expect((await env.root.getImages()).has(image)).toBe(false);
            }
            const after = await env.root.getState();
            expect(after.imageCount).toBe(before.imageCount - 3n);
            expect(after.configVersion).toBe(before.configVersion + 3n);
        });

        it('RevokeImage removes only the given role', async () => {
            const { env } = ctx;
            const before = await env.root.getState();
            expectAccepted(
                await env.root.sendRevokeImage(actor().getSender(), HASHES.bothImage, ROLE_PROXY),
                actor().address,
                env.root.address,
            );
            expect((await env.root.getImages()).get(HASHES.bothImage)).toBe(Number(ROLE_WORKER));
            expect(await env.root.getIsImageAllowed(HASHES.bothImage, ROLE_PROXY)).toBe(false);
            expect(await env.root.getIsImageAllowed(HASHES.bothImage, ROLE_WORKER)).toBe(true);
            expect((await env.root.getState()).imageCount).toBe(before.imageCount);
            // revoking the remaining role removes the entry
            expectAccepted(
                await env.root.sendRevokeImage(actor().getSender(), HASHES.bothImage, ROLE_WORKER),
                actor().address,
                env.root.address,
            );
            expect((await env.root.getImages()).has(HASHES.bothImage)).toBe(false);
            expect((await env.root.getState()).imageCount).toBe(before.imageCount - 1n);
        });

        it('RevokeImage with both roles on an image that has one removes the entry', async () => {
            const { env } = ctx;
            expectAccepted(
                await env.root.sendRevokeImage(actor().getSender(), HASHES.workerImage, ROLES_ALL),
                actor().address,
                env.root.address,
            );
            expect((await env.root.getImages()).has(HASHES.workerImage)).toBe(false);
        });

        it('revoking an absent entry is refused with ERR_NOT_IN_ALLOWLIST', async () => {
            const { env } = ctx;
            const a = actor();
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () => env.root.sendRevokeAttestationRoot(a.getSender(), HASHES.newRoot));
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () => env.root.sendRevokeModel(a.getSender(), HASHES.newModel));
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () =>
                env.root.sendRevokeImage(a.getSender(), HASHES.newImage, ROLE_WORKER),
            );
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () => env.root.sendRevokeImage(a.getSender(), HASHES.newImage, ROLES_ALL));
            // an image allowed for the other role only
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () =>
                env.root.sendRevokeImage(a.getSender(), HASHES.workerImage, ROLE_PROXY),
            );
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () =>
                env.root.sendRevokeImage(a.getSender(), HASHES.proxyImage, ROLE_WORKER),
            );
            // already revoked
            expectAccepted(await env.root.sendRevokeModel(a.getSender(), HASHES.model), a.address, env.root.address);
            await refuses(env, a.address, ERR_NOT_IN_ALLOWLIST, () => env.root.sendRevokeModel(a.getSender(), HASHES.model));
        });

        it.each([0n, 4n, 5n, 0xffn])('RevokeImage with role mask %s is refused with ERR_INVALID_ROLES', async (mask) => {
            const { env } = ctx;
            const a = actor();
            await refuses(env, a.address, ERR_INVALID_ROLES, () => env.root.sendRevokeImage(a.getSender(), HASHES.bothImage, mask));
        });
    });

    it.each([0n, 4n, 5n, 0xffn])('ProposeAddImage with role mask %s is refused with ERR_INVALID_ROLES', async (mask) => {
        const { env } = ctx;
        const g = env.governance;
        await refuses(env, g.address, ERR_INVALID_ROLES, () => env.root.sendProposeAddImage(g.getSender(), HASHES.newImage, mask));
    });

    it('a revocation does not wait for anything, even with grants pending', async () => {
        const { env } = ctx;
        await env.root.sendProposeAddModel(env.governance.getSender(), HASHES.newModel);
        expectAccepted(await env.root.sendRevokeModel(env.guardian.getSender(), HASHES.model), env.guardian.address, env.root.address);
        expect(await env.root.getIsModelAllowed(HASHES.model)).toBe(false);
        expect((await env.root.getState()).proposalCount).toBe(1n);
    });

    it('a revoked entry can be granted again only through a new proposal', async () => {
        const { env } = ctx;
        expectAccepted(
            await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_WORKER),
            env.guardian.address,
            env.root.address,
        );
        await proposeAndExecute(env, () => env.root.sendProposeAddImage(env.governance.getSender(), HASHES.workerImage, ROLE_WORKER));
        expect(await env.root.getIsImageAllowed(HASHES.workerImage, ROLE_WORKER)).toBe(true);
    });
});

describe('guardian removal', () => {
    it.each(['governance', 'guardian'] as const)('RemoveGuardian by %s removes the guardian at once', async (who) => {
        const { env } = ctx;
        const actor = env[who];
        const r = await env.root.sendRemoveGuardian(actor.getSender(), 8n);
        expectAccepted(r, actor.address, env.root.address);
        expect(excessesTo(r, env.root.address, actor.address).queryId).toBe(8n);
        expect((await env.root.getState()).guardian).toBeNull();

        // then there is no guardian to remove
        await refuses(env, env.governance.address, ERR_NO_GUARDIAN, () => env.root.sendRemoveGuardian(env.governance.getSender()));
        // and the removed guardian can no longer revoke, pause, cancel or resign
        const g = env.guardian;
        await refuses(env, g.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendRevokeAttestationRoot(g.getSender(), HASHES.root));
        await refuses(env, g.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () =>
            env.root.sendRevokeImage(g.getSender(), HASHES.workerImage, ROLE_WORKER),
        );
        await refuses(env, g.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendRevokeModel(g.getSender(), HASHES.model));
        await refuses(env, g.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendPause(g.getSender()));
        await refuses(env, g.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendRemoveGuardian(g.getSender()));
        // governance keeps its revocation rights
        expectAccepted(await env.root.sendRevokeModel(env.governance.getSender(), HASHES.model), env.governance.address, env.root.address);
    });
});

describe('without a guardian', () => {
    const noGuardian = sharedEnvironment({ withGuardian: false });

    it('RemoveGuardian is refused with ERR_NO_GUARDIAN and governance still revokes', async () => {
        const { env } = noGuardian;
        expect((await env.root.getState()).guardian).toBeNull();
        await refuses(env, env.governance.address, ERR_NO_GUARDIAN, () => env.root.sendRemoveGuardian(env.governance.getSender()));
        await refuses(env, env.guardian.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendPause(env.guardian.getSender()));
        expectAccepted(await env.root.sendRevokeModel(env.governance.getSender(), HASHES.model), env.governance.address, env.root.address);
    });
});
