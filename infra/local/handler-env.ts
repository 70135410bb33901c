/**
 * What the handler modules read when they are first imported, set before any of them is: the step
 * registry imports every module of functions/ to read its declaration, and Powertools loggers fix
 * their output (console in dev mode, so the runtime's log capture sees it) and level on construction.
 * Imported for its effect, first, by the local runtime.
 */
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
