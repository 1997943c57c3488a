"""Getting messages in and out: the durable inbox, the outbox dispatcher, the lease, each platform's wiring."""
