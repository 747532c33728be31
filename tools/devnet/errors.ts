/**
 * Errors with toncenter's HTTP status and message. The server answers every one of them with
 * `{"ok": false, "error": message, "code": status}` and that status, as toncenter does.
 */
export class DevnetError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
    }
}
