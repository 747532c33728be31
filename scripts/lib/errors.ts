/**
 * Errors a script raises on purpose. Blueprint prints a thrown error and exits with status 1; these
 * carry no stack trace, because the message already says what is wrong and what to do.
 */
export class ScriptError extends Error {
    constructor(message: string) {
        super(message);
        Object.defineProperty(this, 'stack', { value: `${this.name}: ${message}\n`, enumerable: false });
    }
}
ScriptError.prototype.name = 'ScriptError';

/** A bad or missing argument: the message names it and ends with the script's usage line. */
export class UsageError extends ScriptError {
    constructor(problem: string, usage: string) {
        super(`${problem}\nUsage: ${usage}`);
    }
}
UsageError.prototype.name = 'UsageError';

/** The chain state says the action would fail or do nothing, so nothing was sent. */
export class RefusedError extends ScriptError {}
RefusedError.prototype.name = 'Refused';
