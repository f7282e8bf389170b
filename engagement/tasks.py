"""Background work for engagement. Messages go through the outbox (communities.outbox);
nothing here sends anything itself."""
