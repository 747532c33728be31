/**
 * Parameter bounds: every bounded field refuses the value just outside each bound with its own
 * exit code and accepts the exact bounds, both in ProposeParams and at deployment.
 */
import '@ton/test-utils';
import { Address } from '@ton/core';
import {
    ATTESTATION_LIFETIME_LOWER,
    ATTESTATION_LIFETIME_UPPER,
    CLOSE_DELAY_LOWER,
    CLOSE_DELAY_UPPER,
    EQUIVOCATION_SLASH_LOWER,
    EQUIVOCATION_SLASH_UPPER,
    ERR_ATTESTATION_LIFETIME_BOUNDS,
    ERR_CLIENT_CLOSE_DELAY_BOUNDS,
    ERR_EQUIVOCATION_SLASH_BOUNDS,
    ERR_GOVERNANCE_DELAY_BOUNDS,
    ERR_INVALID_TREASURY,
    ERR_MIN_ESCROW_RESERVE_BOUNDS,
    ERR_MIN_STAKE_PROXY_BOUNDS,
    ERR_MIN_STAKE_WORKER_BOUNDS,
    ERR_PROTOCOL_FEE_BOUNDS,
    ERR_PROXY_CLOSE_DELAY_BOUNDS,
    ERR_REPORTER_CAP_BOUNDS,
    ERR_REPORTER_SHARE_BOUNDS,
    ERR_UNBONDING_DELAY_BOUNDS,
    ERR_VETO_WINDOW_BOUNDS,
    GOVERNANCE_DELAY_LOWER,
    GOVERNANCE_DELAY_UPPER,
    loadProposeParams,
    MIN_ESCROW_RESERVE_LOWER,
    MIN_ESCROW_RESERVE_UPPER,
    MIN_STAKE_LOWER,
    MIN_STAKE_UPPER,
    Params,
    PROTOCOL_FEE_UPPER,
    REPORTER_CAP_UPPER,
    REPORTER_SHARE_UPPER,
    UNBONDING_DELAY_LOWER,
    UNBONDING_DELAY_UPPER,
    VETO_WINDOW_LOWER,
    VETO_WINDOW_UPPER,
} from '../../wrappers/Root';
import { defaultParams, Env } from '../fixtures/environment';
import {
    createdProposal,
    deployRoot,
    expectAccepted,
    expectDeployRefused,
    masterchainAddress,
    plain,
    proposeAndExecute,
    refuses,
    sharedEnvironment,
} from '../helpers/root';

type BoundedField = Exclude<keyof Params, '$$type' | 'treasury'>;

interface Bound {
    field: BoundedField;
    lower: bigint; // 0 means "no lower bound beyond the type's"
    upper: bigint;
    code: bigint;
}

const BOUNDS: Bound[] = [
    { field: 'minStakeWorker', lower: MIN_STAKE_LOWER, upper: MIN_STAKE_UPPER, code: ERR_MIN_STAKE_WORKER_BOUNDS },
    { field: 'minStakeProxy', lower: MIN_STAKE_LOWER, upper: MIN_STAKE_UPPER, code: ERR_MIN_STAKE_PROXY_BOUNDS },
    { field: 'minEscrowReserve', lower: MIN_ESCROW_RESERVE_LOWER, upper: MIN_ESCROW_RESERVE_UPPER, code: ERR_MIN_ESCROW_RESERVE_BOUNDS },
    { field: 'unbondingDelay', lower: UNBONDING_DELAY_LOWER, upper: UNBONDING_DELAY_UPPER, code: ERR_UNBONDING_DELAY_BOUNDS },
    { field: 'clientCloseDelay', lower: CLOSE_DELAY_LOWER, upper: CLOSE_DELAY_UPPER, code: ERR_CLIENT_CLOSE_DELAY_BOUNDS },
    { field: 'proxyCloseDelay', lower: CLOSE_DELAY_LOWER, upper: CLOSE_DELAY_UPPER, code: ERR_PROXY_CLOSE_DELAY_BOUNDS },
    {
        field: 'attestationLifetime',
        lower: ATTESTATION_LIFETIME_LOWER,
        upper: ATTESTATION_LIFETIME_UPPER,
        code: ERR_ATTESTATION_LIFETIME_BOUNDS,
    },
    {
        field: 'equivocationSlashBps',
        lower: EQUIVOCATION_SLASH_LOWER,
        upper: EQUIVOCATION_SLASH_UPPER,
        code: ERR_EQUIVOCATION_SLASH_BOUNDS,
    },
    { field: 'reporterShareBps', lower: 0n, upper: REPORTER_SHARE_UPPER, code: ERR_REPORTER_SHARE_BOUNDS },
    { field: 'reporterRewardCap', lower: 0n, upper: REPORTER_CAP_UPPER, code: ERR_REPORTER_CAP_BOUNDS },
    { field: 'protocolFeeBps', lower: 0n, upper: PROTOCOL_FEE_UPPER, code: ERR_PROTOCOL_FEE_BOUNDS },
    { field: 'governanceDelay', lower: GOVERNANCE_DELAY_LOWER, upper: GOVERNANCE_DELAY_UPPER, code: ERR_GOVERNANCE_DELAY_BOUNDS },
    { field: 'vetoWindow', lower: VETO_WINDOW_LOWER, upper: VETO_WINDOW_UPPER, code: ERR_VETO_WINDOW_BOUNDS },
];

/** Values just outside a bound, with a label. */
function outside(b: Bound): [string, bigint][] {
    const out: [string, bigint][] = [];
    if (b.lower > 0n) out.push([`${b.lower - 1n} (lower - 1)`, b.lower - 1n]);
    out.push([`${b.upper + 1n} (upper + 1)`, b.upper + 1n]);
    return out;
}

const OUTSIDE = BOUNDS.flatMap((b) => outside(b).map(([label, value]) => ({ ...b, label, value })));
const AT = BOUNDS.flatMap((b) => [
    { ...b, label: `${b.lower} (lower)`, value: b.lower },
    { ...b, label: `${b.upper} (upper)`, value: b.upper },
]);

const ctx = sharedEnvironment();

function paramsWith(env: Env, overrides: Partial<Params>): Params {
    return defaultParams(env.treasury.address, overrides);
}

function allAt(env: Env, side: 'lower' | 'upper'): Params {
    return paramsWith(env, Object.fromEntries(BOUNDS.map((b) => [b.field, b[side]])) as Partial<Params>);
}

describe('parameter bounds', () => {
    it('the table has the 13 bounded fields of Params, each with its own exit code', () => {
        const fields = Object.keys(defaultParams(ctx.env.treasury.address)).filter((k) => k !== '$$type' && k !== 'treasury');
        expect(BOUNDS.map((b) => b.field).sort()).toEqual(fields.sort());
        expect(BOUNDS).toHaveLength(13);
        expect(new Set(BOUNDS.map((b) => b.code)).size).toBe(13);
        // the defaults of the fixture lie strictly inside every bound
        const d = defaultParams(ctx.env.treasury.address);
        for (const b of BOUNDS) {
            expect(d[b.field]).toBeGreaterThan(b.lower);
            expect(d[b.field]).toBeLessThan(b.upper);
        }
    });

    describe('ProposeParams', () => {
        it.each(OUTSIDE)('refuses $field = $label with its own code', async ({ field, value, code }) => {
            const { env } = ctx;
            const params = paramsWith(env, { [field]: value });
            await refuses(env, env.governance.address, code, () => env.root.sendProposeParams(env.governance.getSender(), params));
        });

        it.each(AT)('accepts $field = $label', async ({ field, value }) => {
            const { env } = ctx;
            const params = paramsWith(env, { [field]: value });
            const r = await env.root.sendProposeParams(env.governance.getSender(), params, 1n);
            expectAccepted(r, env.governance.address, env.root.address);
            const created = createdProposal(r, env.root.address);
            const body = loadProposeParams(created.body.beginParse());
            expect(plain(body.params)).toEqual(plain(params));
        });

        it.each(['lower', 'upper'] as const)('executes with every field at its %s bound', async (side) => {
            const { env } = ctx;
            const params = allAt(env, side);
            await proposeAndExecute(env, () => env.root.sendProposeParams(env.governance.getSender(), params));
            expect(plain(await env.root.getParams())).toEqual(plain(params));
        });

        it('refuses a masterchain treasury with ERR_INVALID_TREASURY', async () => {
            const { env } = ctx;
            const params = defaultParams(masterchainAddress());
            await refuses(env, env.governance.address, ERR_INVALID_TREASURY, () =>
                env.root.sendProposeParams(env.governance.getSender(), params),
            );
        });

        it("refuses the Root's own address as treasury with ERR_INVALID_TREASURY", async () => {
            const { env } = ctx;
            const params = defaultParams(env.root.address);
            await refuses(env, env.governance.address, ERR_INVALID_TREASURY, () =>
                env.root.sendProposeParams(env.governance.getSender(), params),
            );
        });

        it('accepts any other basechain treasury', async () => {
            const { env } = ctx;
            const other = new Address(0, Buffer.alloc(32, 7));
            await proposeAndExecute(env, () => env.root.sendProposeParams(env.governance.getSender(), defaultParams(other)));
            expect((await env.root.getParams()).treasury.equals(other)).toBe(true);
        });
    });

    describe('deployment', () => {
        let nonce = 1000n;

        it.each(OUTSIDE)('aborts the deployment for $field = $label', async ({ field, value, code }) => {
            const { env } = ctx;
            const d = await deployRoot(env, { nonce: nonce++, params: paramsWith(env, { [field]: value }) });
            await expectDeployRefused(env, d, code);
        });

        it('aborts the deployment for a masterchain treasury', async () => {
            const { env } = ctx;
            const d = await deployRoot(env, { nonce: nonce++, params: defaultParams(masterchainAddress()) });
            await expectDeployRefused(env, d, ERR_INVALID_TREASURY);
        });

        it.each(['lower', 'upper'] as const)('deploys with every field at its %s bound', async (side) => {
            const { env } = ctx;
            const params = allAt(env, side);
            const d = await deployRoot(env, { nonce: nonce++, params });
            expectAccepted(d.result, env.deployer.address, d.root.address);
            expect(plain(await d.root.getParams())).toEqual(plain(params));
        });
    });
});
