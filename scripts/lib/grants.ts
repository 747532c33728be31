/**
 * The proposal kinds, decoded from a stored proposal body, described for people, checked against
 * the Root's state before they are proposed or executed, and recognised once in effect. Most are
 * grants of trust, here; slashes and releases act on a Provider and are in enforce.ts, and the
 * `*Content`/`*Proposal` functions below take either. The checks mirror root.tact (checkParams,
 * checkRootAddable, checkImageAddable, checkModelAddable, ProposeGovernance); the Root stays the
 * authority, the scripts only spare the operator a message that would bounce.
 */
import { Address, Cell, Sender } from '@ton/core';
import {
    ERR_ALLOWLIST_FULL,
    ERR_ALREADY_ALLOWED,
    ERR_INVALID_GOVERNANCE,
    ERR_TEST_ROOT_ON_PRODUCTION,
    loadProposeAddAttestationRoot,
    loadProposeAddImage,
    loadProposeAddModel,
    loadProposeGovernance,
    loadProposeGuardian,
    loadProposeParams,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    ProposeAddAttestationRoot,
    ProposeAddImage,
    ProposeAddModel,
    ProposeGovernance,
    ProposeGuardian,
    ProposeParams,
    proposalKind,
    roleNames,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { decodeEnforcement, describeEnforcement, Enforcement, enforcementProblem, isEnforcement } from './enforce';
import { formatHash, formatOptionalAddress, formatRootHash, Network, table } from './format';
import { errorName, paramProblems, paramsDiff, paramsEqual } from './params';
import { OpenedRoot, RootContext, RootReader } from './root';

export type Grant = ProposeParams | ProposeAddAttestationRoot | ProposeAddImage | ProposeAddModel | ProposeGuardian | ProposeGovernance;

/** What a proposal may carry: a grant of trust, or a slash or release (enforce.ts). */
export type ProposalContent = Grant | Enforcement;

/** The content of a stored proposal body, or undefined for an unknown opcode. */
export function decodeProposal(body: Cell): ProposalContent | undefined {
    return decodeGrant(body) ?? decodeEnforcement(body);
}

/** Sends the proposal with the matching ExtendedRoot helper. */
export async function sendProposal(root: OpenedRoot, via: Sender, c: ProposalContent): Promise<void> {
    switch (c.$$type) {
        case 'ProposeSlash':
            return root.sendProposeSlash(
                via,
                { owner: c.owner, nodeIndex: c.nodeIndex, amount: c.amount, reasonHash: c.reasonHash },
                c.queryId,
            );
        case 'ProposeRelease':
            return root.sendProposeRelease(via, { owner: c.owner, nodeIndex: c.nodeIndex }, c.queryId);
        default:
            return sendGrant(root, via, c);
    }
}

/** What the proposal does, as `ctx.read` sees the Root (and a slash's or release's target). */
export async function describeContent(c: ProposalContent, ctx: RootContext): Promise<string[]> {
    return isEnforcement(c) ? describeEnforcement(c, ctx) : describeGrant(c, ctx.read, ctx.network);
}

/** Why the Root would refuse the proposal now (grantProblem, enforcementProblem), or undefined. */
export async function contentProblem(c: ProposalContent, ctx: RootContext, phase: 'propose' | 'execute'): Promise<string | undefined> {
    return isEnforcement(c) ? enforcementProblem(c, ctx, phase) : grantProblem(c, ctx.read, ctx.address, phase);
}

/** The grant a stored proposal body carries, or undefined for another kind or an unknown opcode. */
export function decodeGrant(body: Cell): Grant | undefined {
    const s = body.beginParse();
    switch (proposalKind(body)) {
        case 'ProposeParams':
            return loadProposeParams(s);
        case 'ProposeAddAttestationRoot':
            return loadProposeAddAttestationRoot(s);
        case 'ProposeAddImage':
            return loadProposeAddImage(s);
        case 'ProposeAddModel':
            return loadProposeAddModel(s);
        case 'ProposeGuardian':
            return loadProposeGuardian(s);
        case 'ProposeGovernance':
            return loadProposeGovernance(s);
        default:
            return undefined;
    }
}

/** Sends the proposal with the matching ExtendedRoot helper. */
export async function sendGrant(root: OpenedRoot, via: Sender, g: Grant): Promise<void> {
    switch (g.$$type) {
        case 'ProposeParams':
            return root.sendProposeParams(via, g.params, g.queryId);
        case 'ProposeAddAttestationRoot':
            return root.sendProposeAddAttestationRoot(via, g.rootHash, g.queryId);
        case 'ProposeAddImage':
            return root.sendProposeAddImage(via, g.imageHash, g.roles, g.queryId);
        case 'ProposeAddModel':
            return root.sendProposeAddModel(via, g.modelHash, g.queryId);
        case 'ProposeGuardian':
            return root.sendProposeGuardian(via, g.guardian, g.queryId);
        case 'ProposeGovernance':
            return root.sendProposeGovernance(via, g.newGovernance, g.queryId);
    }
}

/** What the grant does, one or more lines; parameter changes are shown against `read`'s params. */
export async function describeGrant(g: Grant, read: RootReader, network: Network): Promise<string[]> {
    switch (g.$$type) {
        case 'ProposeParams': {
            const diff = paramsDiff(await read.params(), g.params, network);
            return diff.length === 0 ? ['set parameters (no change from the current ones)'] : ['set parameters:', ...table(diff, '    ')];
        }
        case 'ProposeAddAttestationRoot':
            return [`add attestation root ${formatRootHash(g.rootHash)}`];
        case 'ProposeAddImage':
            return [`allow image ${formatHash(g.imageHash)} for ${roleNames(g.roles).join(', ')}`];
        case 'ProposeAddModel':
            return [`allow model ${formatHash(g.modelHash)}`];
        case 'ProposeGuardian':
            return [`set the guardian to ${formatOptionalAddress(g.guardian, network)}`];
        case 'ProposeGovernance':
            return [`hand governance to ${formatOptionalAddress(g.newGovernance, network)} (which must then send acceptGovernance)`];
    }
}

/**
 * Why the Root would refuse this grant now, or undefined. `phase` is 'propose' or 'execute': the
 * Root checks that a new governance is not the Root itself only when it is proposed.
 */
export async function grantProblem(
    g: Grant,
    read: RootReader,
    rootAddress: Address,
    phase: 'propose' | 'execute',
): Promise<string | undefined> {
    const state = await read.state();
    switch (g.$$type) {
        case 'ProposeParams': {
            const problems = paramProblems(g.params, rootAddress);
            return problems.length > 0 ? problems.join('\n') : undefined;
        }
        case 'ProposeAddAttestationRoot': {
            if (!state.isTest && g.rootHash === TEST_ATTESTATION_ROOT_HASH) {
                return `this is a production Root (isTest false): it refuses the simulated test attestation root (${errorName(ERR_TEST_ROOT_ON_PRODUCTION)})`;
            }
            if ((await read.attestationRoots()).includes(g.rootHash))
                return `attestation root ${formatHash(g.rootHash)} is already allowed (${errorName(ERR_ALREADY_ALLOWED)})`;
            if (state.attestationRootCount >= MAX_ATTESTATION_ROOTS)
                return `the attestation root allowlist is full (${MAX_ATTESTATION_ROOTS}; ${errorName(ERR_ALLOWLIST_FULL)})`;
            return undefined;
        }
        case 'ProposeAddImage': {
            const old = (await read.images()).get(g.imageHash);
            if (old !== undefined && (old & g.roles) === g.roles) {
                return `image ${formatHash(g.imageHash)} is already allowed for ${roleNames(old).join(', ')} (${errorName(ERR_ALREADY_ALLOWED)})`;
            }
            if (old === undefined && state.imageCount >= MAX_IMAGES)
                return `the image allowlist is full (${MAX_IMAGES}; ${errorName(ERR_ALLOWLIST_FULL)})`;
            return undefined;
        }
        case 'ProposeAddModel': {
            if ((await read.models()).includes(g.modelHash))
                return `model ${formatHash(g.modelHash)} is already allowed (${errorName(ERR_ALREADY_ALLOWED)})`;
            if (state.modelCount >= MAX_MODELS) return `the model allowlist is full (${MAX_MODELS}; ${errorName(ERR_ALLOWLIST_FULL)})`;
            return undefined;
        }
        case 'ProposeGuardian':
            return undefined;
        case 'ProposeGovernance':
            if (g.newGovernance.equals(state.governance))
                return `the new governance is the current one (${errorName(ERR_INVALID_GOVERNANCE)})`;
            if (phase === 'propose' && g.newGovernance.equals(rootAddress))
                return `the new governance may not be the Root itself (${errorName(ERR_INVALID_GOVERNANCE)})`;
            return undefined;
    }
}

/** Whether the Root's state shows the grant in effect. */
export async function grantInEffect(g: Grant, read: RootReader): Promise<boolean> {
    switch (g.$$type) {
        case 'ProposeParams':
            return paramsEqual(await read.params(), g.params);
        case 'ProposeAddAttestationRoot':
            return (await read.attestationRoots()).includes(g.rootHash);
        case 'ProposeAddImage':
            return (((await read.images()).get(g.imageHash) ?? 0n) & g.roles) === g.roles;
        case 'ProposeAddModel':
            return (await read.models()).includes(g.modelHash);
        case 'ProposeGuardian': {
            const guardian = (await read.state()).guardian;
            return g.guardian === null ? guardian === null : guardian !== null && guardian.equals(g.guardian);
        }
        case 'ProposeGovernance': {
            const pending = (await read.state()).pendingGovernance;
            return pending !== null && pending.equals(g.newGovernance);
        }
    }
}
