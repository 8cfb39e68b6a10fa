-- ARGV: now. Returns {key, expires, hasValue (0/1), ...} for every live item.
local now = now_ms()
local live = redis.call('ZRANGEBYSCORE', base .. ':k', '(' .. num(now), '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  local k = live[i]
  out[#out + 1] = k
  out[#out + 1] = live[i + 1]
  local has = 0
  if redis.call('GETRANGE', vkey(k), 0, 0) ~= '-' then
    has = 1
  end
  out[#out + 1] = has
end
return out
