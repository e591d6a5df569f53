"""Channel adapters: turn a platform's updates into Events and Replies into its messages."""
