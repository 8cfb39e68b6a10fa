-- ARGV: now, worker, token (0 = any). Returns {0} not held, {1, pool} released, {2, pool} had expired.
local now = now_ms()
local worker = ARGV[2]
local rec = redis.call('HGET', base .. ':lw', worker)
if not rec then
  return {0}
end
local _, token, pool = parse_lease(rec)
local want = tonumber(ARGV[3])
if want ~= 0 and token ~= want then
  return {0}
end
local dl = tonumber(redis.call('ZSCORE', base .. ':le', worker))
unlink(worker, rec)
if dl > now then
  return {1, pool}
end
return {2, pool}
