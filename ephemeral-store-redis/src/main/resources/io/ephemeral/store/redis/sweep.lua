-- ARGV: now, budget. Returns {expired items, expired leases, abandoned waits} removed.
local now = now_ms()
local budget = tonumber(ARGV[2])
return {purge_items(now, budget), purge_leases(now, budget), purge_waits(now, budget)}
