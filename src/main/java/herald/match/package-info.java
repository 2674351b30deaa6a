/**
 * Topic patterns ({@code orders.*}, {@code metrics.>}) and a token trie that matches a concrete topic
 * against many of them at once. Pure data structures: no I/O, no threads, no Vert.x. Permissions use them
 * now; wildcard subscriptions are meant to share the same trie.
 *
 * <p>Written here rather than taken from a library because matching is the product's core: it runs on
 * every publish, its syntax is the protocol's (NATS's {@code *} and {@code >}), and the one Java library
 * that matches NATS subjects is the NATS client's, which is not built for a server-side index.
 */
package herald.match;
