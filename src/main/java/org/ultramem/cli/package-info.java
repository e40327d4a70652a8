/**
 * The {@code ultramem} command line: {@link org.ultramem.cli.Main} and one picocli command class
 * per verb. Commands parse options, call into the library and print; they hold no model logic.
 * Errors a user can fix (bad config, missing file) print one line naming the problem and the fix;
 * anything else is reported as an internal error with its stack trace.
 */
package org.ultramem.cli;
