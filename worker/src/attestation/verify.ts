/**
 * Quote verification: the evidence first (is this a genuine TDX quote, signed through a chain that
 * ends in some root, with consistent collateral?), then the policy (is that root trusted, the TD
 * not in debug, the image allowed, the report data the binding we expect?).
 *
 * Evidence, in order:
 *   1. the quote parses (v4 or v5, TDX 1.0 or 1.5 body, ECDSA P-256, PCK chain in PEM);
 *   2. the PCK chain verifies up to a self-signed root (signatures, names, basic constraints, path
 *      length, no unknown critical extension);
 *   3. the QE report is signed by the PCK certificate's key;
 *   4. the QE report data is SHA-256(attestation key || QE auth data) followed by 32 zero bytes, so
 *      the quoting enclave vouches for the attestation key;
 *   5. the header and TD report are signed by that attestation key;
 *   6. with collateral: every piece verifies (collateral.ts) and fits this quote, giving a TCB status;
 *   7. at the verification time, every certificate and collateral piece is inside its validity.
 *
 * Steps 1-6 do not depend on the time, so their outcome is cached by the quote's SHA-256 (and the
 * collateral's digest); step 7 and the policy run on every call, because time moves and the Root's
 * allowlists change. A failure of steps 1-6 is cached too: the same bytes fail the same way.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { Collateral, collateralDigest, evaluateTcb, TcbResult, verifyCollateral, VerifiedCollateral } from './collateral';
import { der } from './der';
import { AttestationError, as, ensure } from './errors';
import { isDebugTd, parseQuote, ParsedQuote } from './quote';
import { formatRootHash, TEST_ROOT_HASH } from './roots';
import {
    ChainResult,
    checkWindows,
    KEY_USAGE,
    OID,
    parseCertificate,
    parsePemChain,
    PckExtension,
    readPckExtension,
    ValidityWindow,
    verifyChain,
} from './x509';

/**
 * What a verifier accepts. Build it from the chain (runtime.ts readAttestationPolicy): `isTest`
 * from the Root's getter, the roots and images from its allowlists.
 */
export interface AttestationPolicy {
    /** The Root's `isTest`. When false, the simulated root is refused whatever the allowlist says. */
    isTest: boolean;
    /** Attestation root hashes (SHA-256 of 0x04||X||Y) whose chains are trusted. */
    trustedRoots: ReadonlySet<bigint>;
    /** Image hashes (docs/attestation/image-hash.md) allowed for the peer's role. */
    allowedImages: ReadonlySet<bigint>;
    /** TCB statuses accepted when collateral is given; DEFAULT_TCB_STATUSES when absent. */
    tcbStatuses?: readonly string[];
    /** Refuse quotes that come without collateral. */
    requireCollateral?: boolean;
}

/**
 * Statuses that mean the platform runs Intel's current microcode and TDX module, possibly with a
 * software mitigation or BIOS setting Intel recommends. OutOfDate, Revoked, NotSupported and the
 * TD-relaunch statuses are refused unless a policy lists them.
 */
export const DEFAULT_TCB_STATUSES: readonly string[] = [
    'UpToDate',
    'SWHardeningNeeded',
    'ConfigurationNeeded',
    'ConfigurationAndSWHardeningNeeded',
];

export interface VerifiedQuote {
    quote: ParsedQuote;
    imageHash: bigint;
    /** Attestation root hash of the chain's root: what the policy's trustedRoots must contain. */
    rootKeyHash: bigint;
    pck: { serial: string; name: string; fmspc?: string };
    /** Present when collateral was given. */
    tcb?: TcbResult;
    debug: boolean;
    windows: ValidityWindow[];
    /** The intersection of all windows: the evidence verifies at any time in [validFrom, validUntil]. */
    validFrom: Date;
    validUntil: Date;
    verifiedAt: Date;
}

export interface VerifyOptions {
    /** The verification time; now when absent. */
    at?: Date;
    collateral?: Collateral;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AttestationError };

function attempt<T>(f: () => T): Outcome<T> {
    try {
        return { ok: true, value: f() };
    } catch (e) {
        if (e instanceof AttestationError) return { ok: false, error: e };
        throw e;
    }
}

function unwrap<T>(o: Outcome<T>): T {
    if (!o.ok) throw o.error;
    return o.value;
}

/** A Map kept in insertion order, trimmed from the oldest end; `get` refreshes an entry. */
class Lru<V> {
    private readonly m = new Map<string, V>();
    constructor(private readonly size: number) {}
    get(k: string): V | undefined {
        const v = this.m.get(k);
        if (v !== undefined) {
            this.m.delete(k);
            this.m.set(k, v);
        }
        return v;
    }
    set(k: string, v: V): void {
        this.m.delete(k);
        this.m.set(k, v);
        while (this.m.size > this.size) this.m.delete(this.m.keys().next().value as string);
    }
    get count(): number {
        return this.m.size;
    }
}

type Evidence = Omit<VerifiedQuote, 'verifiedAt'>;

function p256Key(point: Buffer) {
    const spki = der.seq(der.seq(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)), der.bits(point));
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

interface CheckedChain extends ChainResult {
    pck?: PckExtension;
}

export class QuoteVerifier {
    private readonly quotes: Lru<Outcome<Evidence>>;
    private readonly chains: Lru<Outcome<CheckedChain>>;
    private readonly collaterals: Lru<Outcome<VerifiedCollateral>>;
    readonly stats = { hits: 0, misses: 0 };

    constructor(opts: { cacheSize?: number } = {}) {
        const n = opts.cacheSize ?? 1024;
        this.quotes = new Lru(n);
        this.chains = new Lru(Math.max(16, n >> 4));
        this.collaterals = new Lru(64);
    }

    /** Verifies the evidence (steps 1-7 above) without any policy; throws AttestationError. */
    verifyEvidence(quote: Buffer | Uint8Array, opts: VerifyOptions = {}): VerifiedQuote {
        const at = opts.at ?? new Date();
        const key = createHash('sha256').update(quote).digest('hex') + ':' + (opts.collateral ? collateralDigest(opts.collateral) : '-');
        let outcome = this.quotes.get(key);
        if (outcome) this.stats.hits++;
        else {
            this.stats.misses++;
            outcome = attempt(() => this.evidence(Buffer.from(quote), opts.collateral));
            this.quotes.set(key, outcome);
        }
        const ev = unwrap(outcome);
        checkWindows(ev.windows, at);
        return { ...ev, verifiedAt: at };
    }

    /** Evidence, then the policy; `expectedReportData` is the binding the caller requires (64 bytes). */
    verify(quote: Buffer | Uint8Array, policy: AttestationPolicy, expectedReportData: Buffer, opts: VerifyOptions = {}): VerifiedQuote {
        const v = this.verifyEvidence(quote, opts);
        applyPolicy(v, policy, expectedReportData);
        return v;
    }

    private chain(q: ParsedQuote): CheckedChain {
        const key = createHash('sha256').update(q.pckChainPem).digest('hex');
        let o = this.chains.get(key);
        if (!o) {
            o = attempt(() => {
                const certs = as('CERT_CHAIN_INVALID', 'PCK chain', () =>
                    parsePemChain(q.pckChainPem, 'PCK chain').map((d, i) => parseCertificate(d, `PCK chain certificate ${i + 1}`)),
                );
                const chain = verifyChain(certs, ['PCK certificate', 'PCK CA'], { code: 'CERT_CHAIN_INVALID' });
                const leaf = certs[0];
                ensure(
                    !leaf.keyUsage || leaf.keyUsage.has(KEY_USAGE.digitalSignature),
                    'CERT_CHAIN_INVALID',
                    `the PCK certificate (${leaf.name}) may not sign`,
                );
                const pck = as('CERT_CHAIN_INVALID', 'PCK certificate SGX extension', () => readPckExtension(leaf));
                return { ...chain, pck };
            });
            this.chains.set(key, o);
        }
        return unwrap(o);
    }

    private collateral(c: Collateral): VerifiedCollateral {
        const key = collateralDigest(c);
        let o = this.collaterals.get(key);
        if (!o) {
            o = attempt(() => verifyCollateral(c));
            this.collaterals.set(key, o);
        }
        return unwrap(o);
    }

    private evidence(raw: Buffer, collateral: Collateral | undefined): Evidence {
        const q = parseQuote(raw);
        const chain = this.chain(q);
        const leaf = chain.certs[0];

        ensure(
            verify('sha256', q.qeReport.raw, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, q.qeReportSignature),
            'QE_REPORT_SIGNATURE_INVALID',
            `the QE report signature does not verify under the PCK certificate's key (${leaf.name}, serial ${leaf.serial})`,
        );
        const binding = createHash('sha256').update(q.attestationKey.subarray(1)).update(q.qeAuthData).digest();
        ensure(
            q.qeReport.reportData.subarray(0, 32).equals(binding) && q.qeReport.reportData.subarray(32).equals(Buffer.alloc(32)),
            'ATTESTATION_KEY_NOT_BOUND',
            `QE report data ${q.qeReport.reportData.toString('hex')} is not SHA-256(attestation key || QE auth data) = ${binding.toString('hex')} followed by zeros`,
        );
        const attKey = as('QUOTE_SIGNATURE_INVALID', 'attestation key', () => p256Key(q.attestationKey));
        ensure(
            verify('sha256', q.signedRegion, { key: attKey, dsaEncoding: 'ieee-p1363' }, q.signature),
            'QUOTE_SIGNATURE_INVALID',
            `the quote signature over bytes 0..${q.signedRegion.length - 1} does not verify under the attestation key`,
        );

        let tcb: TcbResult | undefined;
        const windows = [...chain.windows];
        if (collateral) {
            const vc = this.collateral(collateral);
            tcb = evaluateTcb(q, chain, chain.pck, vc);
            windows.push(...vc.windows);
        }
        return {
            quote: q,
            imageHash: q.imageHash,
            rootKeyHash: chain.rootKeyHash,
            pck: { serial: leaf.serial, name: leaf.name, fmspc: chain.pck?.fmspc.toString('hex') },
            tcb,
            debug: isDebugTd(q.body),
            windows,
            validFrom: new Date(Math.max(...windows.map((w) => w.notBefore.getTime()))),
            validUntil: new Date(Math.min(...windows.map((w) => w.notAfter.getTime()))),
        };
    }
}

const hex = (v: bigint) => '0x' + v.toString(16).padStart(64, '0');

/**
 * The policy over verified evidence, in this order: the simulated root under a production Root,
 * the root allowlist, collateral and TCB status, the debug attributes, the image allowlist, the
 * report data.
 */
export function applyPolicy(v: VerifiedQuote, policy: AttestationPolicy, expectedReportData: Buffer): void {
    ensure(
        policy.isTest || v.rootKeyHash !== TEST_ROOT_HASH,
        'SIMULATED_ON_PRODUCTION',
        'the quote is signed under the simulated TEST root and the Root has isTest = false',
    );
    ensure(
        policy.trustedRoots.has(v.rootKeyHash),
        'ROOT_NOT_TRUSTED',
        () => `the chain's root ${formatRootHash(v.rootKeyHash)} is not an allowed attestation root`,
    );
    if (v.tcb) {
        const ok = policy.tcbStatuses ?? DEFAULT_TCB_STATUSES;
        ensure(ok.includes(v.tcb.status), 'TCB_STATUS_REFUSED', () => `TCB status ${v.tcb!.status} is not one of ${ok.join(', ')}`);
    } else {
        ensure(
            !policy.requireCollateral,
            'COLLATERAL_REQUIRED',
            'the policy requires collateral (TCB info, QE identity, CRLs) and none was given',
        );
    }
    ensure(
        !v.debug,
        'DEBUG_TD',
        () => `TD attributes 0x${v.quote.body.tdAttributes.toString(16).padStart(16, '0')} have a debug (TUD) bit set`,
    );
    ensure(policy.allowedImages.has(v.imageHash), 'IMAGE_NOT_ALLOWED', () => `image ${hex(v.imageHash)} is not allowed`);
    ensure(
        expectedReportData.length === 64,
        'REPORT_DATA_MISMATCH',
        `the expected report data is ${expectedReportData.length} bytes, not 64`,
    );
    ensure(
        v.quote.body.reportData.equals(expectedReportData),
        'REPORT_DATA_MISMATCH',
        () => `report data ${v.quote.body.reportData.toString('hex')} is not the expected ${expectedReportData.toString('hex')}`,
    );
}
