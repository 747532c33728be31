/**
 * Queries: QueryImage and QueryParams answer the sender with the current verdict, parameters,
 * pause flag and configVersion, and change nothing.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ERR_INVALID_ROLES,
    loadImageVerdict,
    loadRootParams,
    ROLE_PROXY,
    ROLE_WORKER,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    captureRoot,
    expectAccepted,
    expectUnchanged,
    messagesBetween,
    plain,
    proposeAndExecute,
    refuses,
    replyFrom,
    sharedEnvironment,
} from '../helpers/root';

const ctx = sharedEnvironment();

async function queryImage(env: Env, imageHash: bigint, role: bigint, attestationRoot: bigint, queryId = 77n) {
    const before = await captureRoot(env);
    const r = await env.root.sendQueryImage(env.stranger.getSender(), imageHash, role, attestationRoot, queryId);
    expectAccepted(r, env.stranger.address, env.root.address);
    await expectUnchanged(env, before, r);
    return replyFrom(r, env.root.address, env.stranger.address, loadImageVerdict);
}

const CASES: [string, bigint, bigint, bigint, boolean, boolean][] = [
    ['worker image for the worker role', HASHES.workerImage, ROLE_WORKER, HASHES.root, true, true],
    ['worker image for the proxy role (allowed for the other role only)', HASHES.workerImage, ROLE_PROXY, HASHES.root, false, true],
    ['proxy image for the worker role (allowed for the other role only)', HASHES.proxyImage, ROLE_WORKER, HASHES.root, false, true],
    ['proxy image for the proxy role under the test root', HASHES.proxyImage, ROLE_PROXY, TEST_ATTESTATION_ROOT_HASH, true, true],
    ['two-role image as worker', HASHES.bothImage, ROLE_WORKER, HASHES.root, true, true],
    ['two-role image as proxy', HASHES.bothImage, ROLE_PROXY, HASHES.root, true, true],
    ['unknown image', HASHES.newImage, ROLE_WORKER, HASHES.root, false, true],
    ['allowed image under an unknown root', HASHES.workerImage, ROLE_WORKER, HASHES.newRoot, true, false],
    ['unknown image under an unknown root', HASHES.newImage, ROLE_PROXY, HASHES.newRoot, false, false],
];

describe('QueryImage', () => {
    it.each(CASES)('%s', async (_label, imageHash, role, attestationRoot, imageAllowed, rootAllowed) => {
        const { env } = ctx;
        const verdict = await queryImage(env, imageHash, role, attestationRoot);
        const state = await env.root.getState();
        expect(plain(verdict)).toEqual(
            plain({
                $$type: 'ImageVerdict',
                queryId: 77n,
                configVersion: state.configVersion,
                imageHash,
                role,
                attestationRoot,
                imageAllowed,
                rootAllowed,
                paused: false,
                params: await env.root.getParams(),
            }),
        );
        // the getters agree
        expect(await env.root.getIsImageAllowed(imageHash, role)).toBe(imageAllowed);
        expect(await env.root.getIsAttestationRootAllowed(attestationRoot)).toBe(rootAllowed);
    });

    it('reflects revocations, parameter changes and the configVersion at once', async () => {
        const { env } = ctx;
        const v0 = await queryImage(env, HASHES.bothImage, ROLE_PROXY, HASHES.root, 1n);
        expect([v0.imageAllowed, v0.rootAllowed]).toEqual([true, true]);

        expectAccepted(
            await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.bothImage, ROLE_PROXY),
            env.guardian.address,
            env.root.address,
        );
        const v1 = await queryImage(env, HASHES.bothImage, ROLE_PROXY, HASHES.root, 2n);
        expect(v1.imageAllowed).toBe(false);
        expect(v1.configVersion).toBe(v0.configVersion + 1n);
        expect((await queryImage(env, HASHES.bothImage, ROLE_WORKER, HASHES.root)).imageAllowed).toBe(true);

        expectAccepted(
            await env.root.sendRevokeAttestationRoot(env.governance.getSender(), HASHES.root),
            env.governance.address,
            env.root.address,
        );
        const v2 = await queryImage(env, HASHES.bothImage, ROLE_WORKER, HASHES.root, 3n);
        expect(v2.rootAllowed).toBe(false);
        expect(v2.configVersion).toBe(v1.configVersion + 1n);

        const params = defaultParams(env.treasury.address, { minStakeProxy: toNano('5000') });
        await proposeAndExecute(env, () => env.root.sendProposeParams(env.governance.getSender(), params));
        const v3 = await queryImage(env, HASHES.workerImage, ROLE_WORKER, TEST_ATTESTATION_ROOT_HASH, 4n);
        expect(plain(v3.params)).toEqual(plain(params));
        expect(v3.configVersion).toBe(v2.configVersion + 2n); // proposal created, proposal executed
    });

    it.each([0n, 3n, 4n, 0xffn])('role %s is refused with ERR_INVALID_ROLES', async (role) => {
        const { env } = ctx;
        await refuses(env, env.stranger.address, ERR_INVALID_ROLES, () =>
            env.root.sendQueryImage(env.stranger.getSender(), HASHES.bothImage, role, HASHES.root),
        );
    });

    it('answers with the value left after fees, not from the Root balance', async () => {
        const { env } = ctx;
        const value = toNano('0.05');
        const r = await env.root.sendQueryImage(env.stranger.getSender(), HASHES.workerImage, ROLE_WORKER, HASHES.root, 0n, value);
        const [reply] = messagesBetween(r, env.root.address, env.stranger.address);
        expect(reply.value).toBeGreaterThan(0n);
        expect(reply.value).toBeLessThan(value);
    });
});

describe('QueryParams', () => {
    it('answers RootParams with the parameters, pause flag and configVersion', async () => {
        const { env } = ctx;
        const before = await captureRoot(env);
        const r = await env.root.sendQueryParams(env.stranger.getSender(), 31n);
        expectAccepted(r, env.stranger.address, env.root.address);
        await expectUnchanged(env, before, r);
        const reply = replyFrom(r, env.root.address, env.stranger.address, loadRootParams);
        expect(plain(reply)).toEqual(
            plain({
                $$type: 'RootParams',
                queryId: 31n,
                configVersion: before.state.configVersion,
                paused: false,
                params: await env.root.getParams(),
            }),
        );
    });

    it('follows parameter changes and the pause flag', async () => {
        const { env } = ctx;
        const params = defaultParams(env.stranger.address, { protocolFeeBps: 0n, governanceDelay: 3600n });
        await proposeAndExecute(env, () => env.root.sendProposeParams(env.governance.getSender(), params));
        expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        const r = await env.root.sendQueryParams(env.newGovernance.getSender(), 1n);
        const reply = replyFrom(r, env.root.address, env.newGovernance.address, loadRootParams);
        expect(plain(reply.params)).toEqual(plain(params));
        expect(reply.paused).toBe(true);
        expect(reply.configVersion).toBe((await env.root.getState()).configVersion);
    });
});
