-- computed. ARGV: now, key, token, hasValue (0/1), value, compressed (0/1), ttl ms, maxItems,
-- lru (0/1), grace ms. Returns {0} stored, {1} already stored, {2} claim lost, {3} full.
local now = now_ms()
local k = ARGV[2]
local ck = base .. ':c:' .. k
local c = redis.call('HMGET', ck, 't', 'd')
local holds = c[1] and tonumber(c[2]) > now
if holds and c[1] ~= ARGV[3] then
  return {2}
end
if not holds and live_item(k, now) then
  return {1}
end
local json = nil
if ARGV[4] == '1' then
  json = ARGV[5]
end
local r = put_item(now, k, json, ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1',
  tonumber(ARGV[10]))
if r[1] == 1 then
  return {3}
end
redis.call('DEL', ck)
return {0}
