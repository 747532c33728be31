/**
 * The production entry point of attestation for the reference programs: it reads the Root on
 * chain and derives from it, and from nothing else, whether the simulated path may run.
 *
 *   const att = await openAttestation(root, { role: 'worker' });        // root: an opened Root contract
 *   const quote = await att.provider.getQuote(reportData);
 *   const policy = await att.policyFor('proxy');                         // allowlists as the chain has them now
 *
 * `isTest` is never a parameter here: openAttestation calls the Root's `state` getter and takes
 * `isTest` from the answer. A configuration may ask for the simulated quote provider (useful on a
 * test deployment), but under a Root whose `isTest` is false that request is refused with
 * SIMULATED_ON_PRODUCTION, and no option, environment variable or file can change it, because none
 * is read. The policy built from the same Root carries the same `isTest`, so the verifier refuses
 * quotes under the simulated root too (applyPolicy), even if an allowlist were to list it; and a
 * production Root cannot list it anyway (ERR_TEST_ROOT_ON_PRODUCTION).
 *
 * The one trust assumption left is the RootReader itself: it must read the real chain (a
 * toncenter client, a liteserver) at the address the program was given. Pointing the program at a
 * test Root is pointing it at a test deployment, whose allowlists then decide what it trusts.
 */
import type { Address, Dictionary } from '@ton/core';
import { ConfigfsTsmOptions, ConfigfsTsmProvider } from './configfsTsm';
import { AttestationError } from './errors';
import { QuoteProvider, QuoteProviderKind } from './provider';
import { TEST_ROOT_HASH } from './roots';
import { SimulatedAttestor, SimulatedQuoteProvider, SimulatedQuoteRequest } from './simulated';
import { AttestationPolicy, QuoteVerifier } from './verify';

/** The Root getters the toolkit reads; an opened ExtendedRoot (sandbox or network client) satisfies it. */
export interface RootReader {
    readonly address: Address;
    getState(): Promise<{ isTest: boolean }>;
    getAttestationRoots(): Promise<Dictionary<bigint, boolean>>;
    getImages(): Promise<Dictionary<bigint, number>>;
}

export type Role = 'worker' | 'proxy';

/** Role bits of the Root's image allowlist (ROLE_WORKER, ROLE_PROXY in contracts/common/constants.tact). */
export const ROLE_BITS: Record<Role, number> = { worker: 1, proxy: 2 };

/** A policy read from a Root, with the Root's address (RA-TLS binds it into the report data). */
export interface ChainPolicy extends AttestationPolicy {
    rootAddress: Address;
}

export interface PolicyOptions {
    tcbStatuses?: readonly string[];
    requireCollateral?: boolean;
}

/**
 * The policy for verifying peers of `peerRole`, as the Root holds it now: its `isTest`, its
 * attestation roots, and the images allowed for that role. Call again to follow revocations.
 */
export async function readAttestationPolicy(root: RootReader, peerRole: Role, opts: PolicyOptions = {}): Promise<ChainPolicy> {
    const [state, roots, images] = await Promise.all([root.getState(), root.getAttestationRoots(), root.getImages()]);
    const trustedRoots = new Set(roots.keys().filter((k) => roots.get(k) === true));
    if (!state.isTest) trustedRoots.delete(TEST_ROOT_HASH);
    const bit = ROLE_BITS[peerRole];
    const allowedImages = new Set(images.keys().filter((k) => ((images.get(k) ?? 0) & bit) !== 0));
    return { isTest: state.isTest, rootAddress: root.address, trustedRoots, allowedImages, ...opts };
}

export interface AttestationConfig {
    /** This program's role. */
    role: Role;
    /** Where quotes come from; configfs-tsm unless given. 'simulated' works only under a test Root. */
    quoteProvider?: QuoteProviderKind;
    tsm?: ConfigfsTsmOptions;
    /** What the simulated provider claims (registers, attributes, quote version). */
    simulated?: Omit<SimulatedQuoteRequest, 'reportData'>;
    policy?: PolicyOptions;
}

export interface Attestation {
    readonly isTest: boolean;
    readonly rootAddress: Address;
    readonly role: Role;
    readonly provider: QuoteProvider;
    readonly verifier: QuoteVerifier;
    /** The current policy for peers of `peerRole`, read from the Root. */
    policyFor(peerRole: Role): Promise<ChainPolicy>;
}

/** The production entry point; see the comment at the top of this file. */
export async function openAttestation(root: RootReader, config: AttestationConfig): Promise<Attestation> {
    const { isTest } = await root.getState();
    const kind = config.quoteProvider ?? 'configfs-tsm';
    if (kind !== 'configfs-tsm' && kind !== 'simulated')
        throw new Error(`unknown quote provider "${String(kind)}" (configfs-tsm or simulated)`);
    if (kind === 'simulated' && isTest !== true)
        throw new AttestationError(
            'SIMULATED_ON_PRODUCTION',
            `the configuration asks for simulated quotes, but the Root at ${root.address.toString()} has isTest = false: ` +
                'a production Root accepts only quotes from a real TD (configfs-tsm), and no setting changes that',
        );
    const provider: QuoteProvider =
        kind === 'simulated' ? new SimulatedQuoteProvider(new SimulatedAttestor(), config.simulated) : new ConfigfsTsmProvider(config.tsm);
    const verifier = new QuoteVerifier();
    return {
        isTest,
        rootAddress: root.address,
        role: config.role,
        provider,
        verifier,
        policyFor: (peerRole) => readAttestationPolicy(root, peerRole, config.policy),
    };
}
