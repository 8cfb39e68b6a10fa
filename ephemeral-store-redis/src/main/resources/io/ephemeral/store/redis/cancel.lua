-- ARGV: now, worker, ticket. Leaves the queue; returns 1.
drop_ticket(ARGV[3])
return 1
