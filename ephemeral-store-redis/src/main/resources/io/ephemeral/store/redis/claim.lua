-- The holder's claim: release or renew. ARGV: now, key, token, ttl ms (0: release).
-- Returns 1 if the token held the claim, else 0.
local now = now_ms()
local ck = base .. ':c:' .. ARGV[2]
if redis.call('HGET', ck, 't') ~= ARGV[3] then
  return 0
end
local ttl = tonumber(ARGV[4])
if ttl == 0 then
  redis.call('DEL', ck)
else
  redis.call('HSET', ck, 'd', num(deadline(now, ttl)))
  redis.call('PEXPIRE', ck, num(ttl))
end
return 1
