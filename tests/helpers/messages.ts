/**
 * One well-formed sample of every message the Root receives, and their serialised bodies, for
 * specs that iterate over all receivers (malformed bodies, events).
 */
import { Address, beginCell, Cell } from '@ton/core';
import {
    ROLE_PROXY,
    storeAcceptGovernance,
    storeCancelGovernanceTransfer,
    storeCancelProposal,
    storeDelistProxy,
    storeDelistProxyForRoot,
    storeExecuteProposal,
    storeListProxyForRoot,
    storePause,
    storeProposeAddAttestationRoot,
    storeProposeAddImage,
    storeProposeAddModel,
    storeProposeGovernance,
    storeProposeGuardian,
    storeProposeParams,
    storeProposeRelease,
    storeProposeSlash,
    storeQueryImage,
    storeQueryParams,
    storeRemoveGuardian,
    storeRevokeAttestationRoot,
    storeRevokeImage,
    storeRevokeModel,
    storeUnpause,
} from '../../wrappers/Root';
import { defaultParams, HASHES } from '../fixtures/environment';

/** Serialised sample bodies by message name; `a` is any basechain address used in fields. */
export function sampleBodies(a: Address): Record<string, Cell> {
    const c = (f: (b: import('@ton/core').Builder) => void) => beginCell().store(f).endCell();
    const queryId = 1n;
    return {
        ProposeParams: c(storeProposeParams({ $$type: 'ProposeParams', queryId, params: defaultParams(a) })),
        ProposeAddAttestationRoot: c(
            storeProposeAddAttestationRoot({ $$type: 'ProposeAddAttestationRoot', queryId, rootHash: HASHES.newRoot }),
        ),
        ProposeAddImage: c(storeProposeAddImage({ $$type: 'ProposeAddImage', queryId, imageHash: HASHES.newImage, roles: ROLE_PROXY })),
        ProposeAddModel: c(storeProposeAddModel({ $$type: 'ProposeAddModel', queryId, modelHash: HASHES.newModel })),
        ProposeGuardian: c(storeProposeGuardian({ $$type: 'ProposeGuardian', queryId, guardian: a })),
        ProposeGovernance: c(storeProposeGovernance({ $$type: 'ProposeGovernance', queryId, newGovernance: a })),
        ProposeSlash: c(storeProposeSlash({ $$type: 'ProposeSlash', queryId, owner: a, nodeIndex: 0n, amount: 1n, reasonHash: 1n })),
        ProposeRelease: c(storeProposeRelease({ $$type: 'ProposeRelease', queryId, owner: a, nodeIndex: 0n })),
        ExecuteProposal: c(storeExecuteProposal({ $$type: 'ExecuteProposal', queryId, proposalId: 0n })),
        CancelProposal: c(storeCancelProposal({ $$type: 'CancelProposal', queryId, proposalId: 0n })),
        AcceptGovernance: c(storeAcceptGovernance({ $$type: 'AcceptGovernance', queryId })),
        CancelGovernanceTransfer: c(storeCancelGovernanceTransfer({ $$type: 'CancelGovernanceTransfer', queryId })),
        RevokeAttestationRoot: c(storeRevokeAttestationRoot({ $$type: 'RevokeAttestationRoot', queryId, rootHash: HASHES.root })),
        RevokeImage: c(storeRevokeImage({ $$type: 'RevokeImage', queryId, imageHash: HASHES.workerImage, roles: 1n })),
        RevokeModel: c(storeRevokeModel({ $$type: 'RevokeModel', queryId, modelHash: HASHES.model })),
        DelistProxy: c(storeDelistProxy({ $$type: 'DelistProxy', queryId, provider: a })),
        Pause: c(storePause({ $$type: 'Pause', queryId })),
        Unpause: c(storeUnpause({ $$type: 'Unpause', queryId })),
        RemoveGuardian: c(storeRemoveGuardian({ $$type: 'RemoveGuardian', queryId })),
        ListProxyForRoot: c(
            storeListProxyForRoot({
                $$type: 'ListProxyForRoot',
                queryId,
                owner: a,
                nodeIndex: 0n,
                imageHash: HASHES.proxyImage,
                attestationRoot: HASHES.root,
                endpoint: 'https://p.example',
            }),
        ),
        DelistProxyForRoot: c(storeDelistProxyForRoot({ $$type: 'DelistProxyForRoot', queryId, owner: a, nodeIndex: 0n })),
        QueryImage: c(
            storeQueryImage({ $$type: 'QueryImage', queryId, imageHash: HASHES.workerImage, role: 1n, attestationRoot: HASHES.root }),
        ),
        QueryParams: c(storeQueryParams({ $$type: 'QueryParams', queryId })),
    };
}

/** The body with its last reference dropped if it has one, else its last bit. */
export function truncated(body: Cell): Cell {
    const s = body.beginParse();
    const b = beginCell();
    const bits = s.remainingRefs > 0 ? s.remainingBits : s.remainingBits - 1;
    b.storeBits(s.loadBits(bits));
    const refs = s.remainingRefs > 0 ? s.remainingRefs - 1 : 0;
    for (let i = 0; i < refs; i++) b.storeRef(s.loadRef());
    return b.endCell();
}

/** The opcode and the first 8 bits of the query id only. */
export function opcodeOnly(body: Cell): Cell {
    return beginCell().storeUint(body.beginParse().preloadUint(32), 32).storeUint(0, 8).endCell();
}
