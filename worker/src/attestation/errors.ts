/**
 * Why an attestation was refused. Every refusal in the toolkit (quote parsing, the certificate
 * chain, collateral, the policy, the quote providers, RA-TLS) is an AttestationError whose `code`
 * names the reason, so callers and tests branch on the code, never on message text. The message
 * says what exactly was wrong, for a human.
 *
 * docs/attestation.md has this table with one line per code; tests/attestation/docs.spec.ts keeps
 * the two in agreement.
 */
export const ATTESTATION_ERRORS = {
    // ---- the quote's bytes ----
    QUOTE_TRUNCATED: 'the quote ends before a structure it declares',
    QUOTE_MALFORMED: 'a length, type or encoding inside the quote is inconsistent',
    QUOTE_UNSUPPORTED: 'not a TDX quote of version 4 or 5 signed with ECDSA P-256 and a PCK chain',

    // ---- the PCK certificate chain ----
    CERT_CHAIN_INVALID: 'a certificate does not parse, is not signed by the next, or breaks a constraint',
    CERT_NOT_YET_VALID: 'a certificate is not valid yet at the verification time',
    CERT_EXPIRED: 'a certificate has expired at the verification time',
    CERT_REVOKED: "a certificate's serial is listed in its issuer's CRL",

    // ---- signatures inside the quote ----
    QE_REPORT_SIGNATURE_INVALID: 'the QE report is not signed by the PCK key',
    ATTESTATION_KEY_NOT_BOUND: 'the QE report data is not SHA-256(attestation key || QE auth data)',
    QUOTE_SIGNATURE_INVALID: 'header and TD report are not signed by the attestation key',

    // ---- collateral (TCB info, QE identity, CRLs) ----
    COLLATERAL_MALFORMED: 'a collateral piece does not parse',
    COLLATERAL_SIGNATURE_INVALID: 'a TCB info, QE identity or CRL signature does not verify',
    COLLATERAL_NOT_YET_VALID: 'a collateral piece is issued after the verification time',
    COLLATERAL_EXPIRED: "the verification time is past a collateral piece's next update",
    COLLATERAL_MISMATCH: 'the collateral is for another platform, root or CA than the quote',
    COLLATERAL_REQUIRED: 'the policy requires collateral and none was given',
    QE_IDENTITY_MISMATCH: 'the quoting enclave is not the one the QE identity describes',
    TCB_STATUS_REFUSED: "the platform's TCB status is not one the policy accepts",

    // ---- the policy ----
    SIMULATED_ON_PRODUCTION: 'the simulated attestation path was asked for under a production Root',
    ROOT_NOT_TRUSTED: "the chain's root key hash is not in the allowlist",
    DEBUG_TD: 'the TD runs with a debug attribute set',
    IMAGE_NOT_ALLOWED: 'the image hash is not in the allowlist',
    REPORT_DATA_MISMATCH: 'the report data is not the expected binding',

    // ---- quote providers ----
    TSM_UNAVAILABLE: 'configfs-tsm is not there or refused the request',
    TSM_PROVIDER_MISMATCH: 'the configfs-tsm provider is not tdx_guest',
    TSM_GENERATION_MISMATCH: 'another writer changed the report while it was generated',
    TSM_BUSY: 'configfs-tsm stayed busy through every retry',

    // ---- RA-TLS ----
    RATLS_CERT_INVALID: 'the peer certificate is not a well-formed RA-TLS certificate',
    RATLS_NO_PEER_CERT: 'the peer presented no certificate',
} as const;

export type AttestationErrorCode = keyof typeof ATTESTATION_ERRORS;

export const ATTESTATION_ERROR_CODES = Object.keys(ATTESTATION_ERRORS) as AttestationErrorCode[];

export class AttestationError extends Error {
    constructor(
        readonly code: AttestationErrorCode,
        message: string,
    ) {
        super(`${code}: ${message}`);
    }
}
AttestationError.prototype.name = 'AttestationError';

/** Throws an AttestationError with `code` unless `ok`. */
export function ensure(ok: boolean, code: AttestationErrorCode, message: string | (() => string)): asserts ok {
    if (!ok) throw new AttestationError(code, typeof message === 'string' ? message : message());
}

/**
 * Runs `f`, turning any error that is not already an AttestationError (a DER or JSON parse error,
 * an OpenSSL refusal) into one with `code`, its message prefixed by `what`.
 */
export function as<T>(code: AttestationErrorCode, what: string, f: () => T): T {
    try {
        return f();
    } catch (e) {
        if (e instanceof AttestationError) throw e;
        throw new AttestationError(code, `${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
}
