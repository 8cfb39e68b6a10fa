-- ARGV: now. Returns {live items, live leases, waiting workers, approximate item bytes}.
local now = now_ms()
purge_items(now, 1000)
purge_leases(now, 1000)
purge_waits(now, 1000)
return {
  redis.call('ZCOUNT', base .. ':k', '(' .. num(now), '+inf'),
  redis.call('ZCOUNT', base .. ':le', '(' .. num(now), '+inf'),
  redis.call('HLEN', base .. ':qw'),
  tonumber(redis.call('HGET', META, 'bytes') or '0')
}
