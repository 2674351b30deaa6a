/**
 * Who a client is and what it may do: the users file, JWT verification, permissions, TLS material, and the
 * node's authentication mode (protected, required, optional, open).
 *
 * <p><b>Concurrency.</b> {@link Security} is one per node and shared by the NetServer verticles' event
 * loops. What they read of it is immutable ({@link Users}, {@link Permissions}) and replaced whole, through
 * a volatile reference, when the users file changes; nothing here is mutated in place after it is
 * published. bcrypt checks run on the worker pool, never on an event loop.
 */
package herald.auth;
